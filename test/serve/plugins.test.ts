import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { createServer, HttpError, InMemoryModelSource, serveState } from "../../src/serve/index.js";
import { openApiKeys } from "../../src/serve/auth/index.js";
import type { ServerPlugin } from "../../src/serve/plugin.js";
import { tempRoot } from "./helpers.js";

let root: string;
let app: FastifyInstance;
let predictToken: string;
let adminToken: string;
const promoted: string[] = [];

/** A plugin like the monitoring or admin ones: one open route, one predict route under /v1, one admin route. */
const adminPlugin: ServerPlugin = async (p, ctx) => {
  p.get("/v1/echo/:word", async (req) => {
    const { word } = req.params as { word: string };
    if (word === "bad") throw new HttpError(400, "invalid_field", "word: must not be bad", "word");
    if (word === "crash") throw new Error("secret internals /etc/passwd");
    return { word };
  });
  p.post("/admin/promote/:name", async (req) => {
    await ctx.authorize(req, "admin");
    promoted.push((req.params as { name: string }).name);
    return { ok: true };
  });
  p.get("/public/ping", async () => ({ pong: true }));
};

before(async () => {
  root = await tempRoot();
  const keys = await openApiKeys(join(root, "api-keys.json"));
  predictToken = (await keys.create({ name: "app", scopes: ["predict"] })).token;
  adminToken = (await keys.create({ name: "ops", scopes: ["admin"] })).token;
  app = createServer({ models: new InMemoryModelSource(), apiKeys: keys, rateLimit: { max: 3 }, cors: { origin: ["https://ui.example.com"] }, plugins: [adminPlugin] });
});

after(async () => {
  await app.close();
  await rm(root, { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = {}, ip = "10.0.0.1") => app.inject({ method: "GET", url, headers, remoteAddress: ip });

test("plugin routes under /v1 need a predict key, and their errors use the server's JSON format", async () => {
  assert.equal((await get("/v1/echo/hi")).statusCode, 401);
  const ok = await get("/v1/echo/hi", { "x-api-key": predictToken }, "10.0.0.2");
  assert.deepEqual([ok.statusCode, ok.json()], [200, { word: "hi" }]);
  const bad = await get("/v1/echo/bad", { "x-api-key": predictToken }, "10.0.0.2");
  assert.deepEqual([bad.statusCode, bad.json()], [400, { error: { code: "invalid_field", message: "word: must not be bad", field: "word" } }]);
  const crash = await get("/v1/echo/crash", { "x-api-key": adminToken }, "10.0.0.3");
  assert.equal(crash.statusCode, 500);
  assert.ok(!crash.body.includes("passwd"), crash.body);
  assert.equal((crash.json() as { error: { code: string } }).error.code, "internal");
});

test("ctx.authorize enforces the scope the plugin asks for", async () => {
  const asPredict = await app.inject({ method: "POST", url: "/admin/promote/penguins", headers: { authorization: `Bearer ${predictToken}` }, remoteAddress: "10.0.1.1" });
  assert.equal(asPredict.statusCode, 403);
  assert.equal((asPredict.json() as { error: { code: string } }).error.code, "insufficient_scope");
  assert.equal((await app.inject({ method: "POST", url: "/admin/promote/penguins", remoteAddress: "10.0.1.2" })).statusCode, 401);
  const asAdmin = await app.inject({ method: "POST", url: "/admin/promote/penguins", headers: { authorization: `Bearer ${adminToken}` }, remoteAddress: "10.0.1.3" });
  assert.equal(asAdmin.statusCode, 200);
  assert.deepEqual(promoted, ["penguins"], "only the admin call ran the handler");
  const open = await get("/public/ping", {}, "10.0.1.4");
  assert.equal(open.statusCode, 200, "routes outside /v1 that do not authorize stay open");
});

test("plugin routes share rate limits, CORS and metrics", async () => {
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await get("/public/ping", { origin: "https://ui.example.com" }, "10.0.2.1")).statusCode);
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  const limited = await get("/public/ping", { origin: "https://ui.example.com" }, "10.0.2.1");
  assert.equal((limited.json() as { error: { code: string } }).error.code, "rate_limited");
  assert.equal(limited.headers["access-control-allow-origin"], "https://ui.example.com");
  await new Promise((r) => setImmediate(r));
  const { metrics } = serveState(app);
  assert.ok(metrics.requests.get({ route: "/public/ping", method: "GET", status: "200", model: "", version: "" }) >= 4);
  assert.ok(metrics.requests.get({ route: "/public/ping", method: "GET", status: "429", model: "", version: "" }) >= 1);
});

test("without API keys, ctx.authorize lets everything through", async () => {
  const open = createServer({ models: new InMemoryModelSource(), plugins: [adminPlugin] });
  try {
    const r = await open.inject({ method: "POST", url: "/admin/promote/x" });
    assert.equal(r.statusCode, 200);
    assert.equal((await open.inject({ method: "GET", url: "/v1/echo/yo" })).statusCode, 200);
  } finally {
    await open.close();
  }
});
