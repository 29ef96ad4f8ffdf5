import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { createServer, InMemoryModelSource } from "../../src/serve/index.js";
import { openApiKeys } from "../../src/serve/auth/index.js";
import { saveLinearModel, tempRoot } from "./helpers.js";

let root: string;
let source: InMemoryModelSource;
let app: FastifyInstance;
let token: string;
const ALLOWED = "https://app.example.com";

before(async () => {
  root = await tempRoot();
  source = new InMemoryModelSource().addVersion("linear", 1, await saveLinearModel(root)).setAlias("linear", "production", 1);
  const keys = await openApiKeys(join(root, "api-keys.json"));
  token = (await keys.create({ name: "browser", scopes: ["predict"] })).token;
  app = createServer({ models: source, apiKeys: keys, cors: { origin: [ALLOWED] }, rateLimit: { max: 100 } });
});

after(async () => {
  await app.close();
  await rm(root, { recursive: true, force: true });
});

const preflight = (origin: string, server = app) => server.inject({
  method: "OPTIONS", url: "/v1/models/linear/predict",
  headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
});

test("a preflight from an allowed origin is answered without a key, allowing the method and headers", async () => {
  const r = await preflight(ALLOWED);
  assert.equal(r.statusCode, 204);
  assert.equal(r.headers["access-control-allow-origin"], ALLOWED);
  assert.match(String(r.headers["access-control-allow-methods"]), /POST/);
  assert.match(String(r.headers["access-control-allow-headers"]), /authorization/i);
  assert.equal(r.headers["access-control-max-age"], "600");
});

test("a preflight from another origin gets no allow-origin, so the browser refuses", async () => {
  const r = await preflight("https://evil.example.net");
  assert.equal(r.headers["access-control-allow-origin"], undefined);
  const sub = await preflight("https://app.example.com.evil.net");
  assert.equal(sub.headers["access-control-allow-origin"], undefined, "no prefix matching");
});

test("actual requests from an allowed origin carry allow-origin and expose the rate limit headers; errors too", async () => {
  const ok = await app.inject({ method: "POST", url: "/v1/models/linear/predict", headers: { origin: ALLOWED, authorization: `Bearer ${token}` }, payload: { inputs: [[1, 1]] } });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.headers["access-control-allow-origin"], ALLOWED);
  assert.match(String(ok.headers["access-control-expose-headers"]), /retry-after/);
  assert.ok(ok.headers["x-ratelimit-remaining"] !== undefined);
  const denied = await app.inject({ method: "POST", url: "/v1/models/linear/predict", headers: { origin: ALLOWED }, payload: { inputs: [[1, 1]] } });
  assert.equal(denied.statusCode, 401);
  assert.equal(denied.headers["access-control-allow-origin"], ALLOWED, "a browser app can read why it was refused");
  const other = await app.inject({ method: "POST", url: "/v1/models/linear/predict", headers: { origin: "https://evil.example.net", authorization: `Bearer ${token}` }, payload: { inputs: [[1, 1]] } });
  assert.equal(other.headers["access-control-allow-origin"], undefined);
});

test("CORS is off by default, and bad origins are refused when the server is made", async () => {
  const plain = createServer({ models: source });
  try {
    const r = await plain.inject({ method: "GET", url: "/healthz", headers: { origin: ALLOWED } });
    assert.equal(r.headers["access-control-allow-origin"], undefined);
    assert.equal((await preflight(ALLOWED, plain)).statusCode, 404);
  } finally {
    await plain.close();
  }
  assert.throws(() => createServer({ models: source, cors: { origin: ["app.example.com"] } }), /cors.origin must be .* got \["app.example.com"\]/);
});
