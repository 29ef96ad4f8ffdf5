import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { createServer, InMemoryModelSource, type ServerOptions } from "../../src/serve/index.js";
import { openApiKeys, type ApiKeyStore } from "../../src/serve/auth/index.js";
import { saveLinearModel, tempRoot } from "./helpers.js";

let root: string;
let source: InMemoryModelSource;
let keys: ApiKeyStore;
const servers: FastifyInstance[] = [];

before(async () => {
  root = await tempRoot();
  source = new InMemoryModelSource().addVersion("linear", 1, await saveLinearModel(root)).setAlias("linear", "production", 1);
  keys = await openApiKeys(join(root, "api-keys.json"));
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(root, { recursive: true, force: true });
});

function server(opts: Omit<ServerOptions, "models">): FastifyInstance {
  const s = createServer({ models: source, ...opts });
  servers.push(s);
  return s;
}

async function predict(app: FastifyInstance, headers: Record<string, string> = {}, ip = "10.0.0.1"): Promise<{ status: number; json: { error?: { code: string; message: string } }; headers: Record<string, unknown> }> {
  const r = await app.inject({ method: "POST", url: "/v1/models/linear/predict", headers, remoteAddress: ip, payload: { inputs: [[1, 2]] } });
  return { status: r.statusCode, json: r.json(), headers: r.headers };
}

test("without keys each client IP gets `max` requests per window, then a JSON 429 with retry-after", async () => {
  const app = server({ rateLimit: { max: 3, timeWindowMs: 60_000 } });
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await predict(app)).status);
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  const limited = await predict(app);
  assert.equal(limited.json.error?.code, "rate_limited");
  const m = /^rate limit exceeded: at most 3 requests per 60 s; retry in (\d+) s$/.exec(limited.json.error?.message ?? "");
  assert.ok(m, limited.json.error?.message);
  const retryAfter = Number(limited.headers["retry-after"]);
  assert.ok(retryAfter > 0 && retryAfter <= 60, String(retryAfter));
  assert.ok(Math.abs(Number(m[1]) - retryAfter) <= 1, "the message and the header agree");
  assert.equal((await predict(app, {}, "10.0.0.2")).status, 200, "another IP has its own count");
  for (let i = 0; i < 5; i++) assert.equal((await app.inject({ method: "GET", url: "/healthz", remoteAddress: "10.0.0.1" })).statusCode, 200, "health checks are never limited");
});

test("the window resets: after timeWindowMs a limited client is let through again", async () => {
  const app = server({ rateLimit: { max: 1, timeWindowMs: 300 } });
  assert.equal((await predict(app)).status, 200);
  assert.equal((await predict(app)).status, 429);
  await new Promise((r) => setTimeout(r, 400));
  assert.equal((await predict(app)).status, 200);
});

test("with keys the limit is per key, from any IP, and a key's own rateLimit overrides max", async () => {
  const plain = (await keys.create({ name: "plain", scopes: ["predict"] })).token;
  const small = (await keys.create({ name: "small", scopes: ["predict"], rateLimit: 2 })).token;
  const app = server({ apiKeys: keys, rateLimit: { max: 4 } });
  const run = async (token: string, n: number): Promise<number[]> => {
    const out = [];
    for (let i = 0; i < n; i++) out.push((await predict(app, { authorization: `Bearer ${token}` }, `10.1.0.${i}`)).status);
    return out;
  };
  assert.deepEqual(await run(plain, 5), [200, 200, 200, 200, 429]);
  assert.deepEqual(await run(small, 3), [200, 200, 429]);
  const r = await predict(app, { authorization: `Bearer ${small}` });
  assert.match(r.json.error?.message ?? "", /at most 2 requests per 60 s/);
});

test("bad tokens are limited by IP before they get their 401; a key's own limit applies even without a server limit", async () => {
  const app = server({ apiKeys: keys, rateLimit: { max: 2 } });
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await predict(app, { "x-api-key": `ingot_${randomBytes(8).toString("hex")}_${randomBytes(32).toString("base64url")}` }, "10.9.9.9")).status);
  assert.deepEqual(statuses, [401, 401, 429, 429]);

  const unlimited = server({ apiKeys: keys });
  const limitedKey = (await keys.create({ name: "two-per-minute", scopes: ["predict"], rateLimit: 2 })).token;
  const freeKey = (await keys.create({ name: "free", scopes: ["predict"] })).token;
  const seen = [];
  for (let i = 0; i < 3; i++) seen.push((await predict(unlimited, { "x-api-key": limitedKey })).status);
  assert.deepEqual(seen, [200, 200, 429]);
  for (let i = 0; i < 10; i++) assert.equal((await predict(unlimited, { "x-api-key": freeKey })).status, 200);
});

test("bad rate limit options are refused when the server is made", () => {
  assert.throws(() => createServer({ models: source, rateLimit: { max: 0 } }), /rateLimit.max must be a positive integer, got 0/);
  assert.throws(() => createServer({ models: source, rateLimit: { max: 1, timeWindowMs: -5 } }), /timeWindowMs must be a positive integer/);
  assert.throws(() => createServer({ models: source, rateLimit: { max: 1, redisUrl: "localhost:6379" } }), /redisUrl must start with redis:\/\//);
});

const redisUrl = process.env.INGOT_TEST_REDIS_URL;
test("two servers sharing one Redis limit a key jointly", { skip: !redisUrl && !process.env.CI ? "INGOT_TEST_REDIS_URL is not set (a Redis server is needed)" : false }, async () => {
  assert.ok(redisUrl, "CI must set INGOT_TEST_REDIS_URL");
  const prefix = `ingot-test:${randomBytes(6).toString("hex")}:`;
  const token = (await keys.create({ name: "shared", scopes: ["predict"] })).token;
  const opts = { apiKeys: keys, rateLimit: { max: 5, timeWindowMs: 60_000, redisUrl, redisPrefix: prefix } };
  const a = server(opts);
  const b = server(opts);
  const statuses = [];
  for (let i = 0; i < 8; i++) statuses.push((await predict(i % 2 ? b : a, { "x-api-key": token }, `10.2.0.${i}`)).status);
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429], "5 in all, whichever server answered");
  // the count really is in Redis, under the prefix, keyed by the key id
  const redis = new Redis(redisUrl);
  try {
    const stored = await redis.keys(`${prefix}*`);
    assert.equal(stored.length, 1, JSON.stringify(stored));
    assert.ok(stored[0].includes(`key:${token.split("_")[1]}`), stored[0]);
    const ttl = await redis.pttl(stored[0]);
    assert.ok(ttl > 0 && ttl <= 60_000, String(ttl));
    // a server with another prefix (another deployment) counts on its own
    const c = server({ ...opts, rateLimit: { ...opts.rateLimit, redisPrefix: `${prefix}other:` } });
    assert.equal((await predict(c, { "x-api-key": token })).status, 200);
    await redis.del(...(await redis.keys(`${prefix}*`)));
  } finally {
    redis.disconnect();
  }
});
