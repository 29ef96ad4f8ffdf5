import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { createServer, InMemoryModelSource } from "../../src/serve/index.js";
import { openApiKeys, type ApiKeyStore } from "../../src/serve/auth/index.js";
import { saveLinearModel, tempRoot } from "./helpers.js";

let root: string;
let keys: ApiKeyStore;
let app: FastifyInstance;
let predictToken: string;
let adminToken: string;
const body = { inputs: [[1, 1]] };

before(async () => {
  root = await tempRoot();
  keys = await openApiKeys(join(root, "api-keys.json"));
  predictToken = (await keys.create({ name: "checkout", scopes: ["predict"] })).token;
  adminToken = (await keys.create({ name: "ops", scopes: ["admin"] })).token;
  const source = new InMemoryModelSource().addVersion("linear", 1, await saveLinearModel(root)).setAlias("linear", "production", 1);
  app = createServer({ models: source, apiKeys: keys, protect: { metrics: "admin" } });
});

after(async () => {
  await app.close();
  await rm(root, { recursive: true, force: true });
});

type Json = Record<string, unknown>;
async function call(method: "GET" | "POST", url: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Json; headers: Record<string, unknown> }> {
  const r = await app.inject({ method, url, headers, ...(method === "POST" && { payload: body }) });
  return { status: r.statusCode, json: r.headers["content-type"]?.toString().includes("json") ? (r.json() as Json) : {}, headers: r.headers };
}

test("a token is shown once; the file keeps only a SHA-256 of its secret, readable by the owner only", async () => {
  const { id, token } = await keys.create({ name: "batch job", scopes: ["predict"], rateLimit: 30 });
  const m = /^ingot_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(token);
  assert.ok(m, token);
  assert.equal(m[1], id);
  assert.equal(Buffer.from(m[2], "base64url").length, 32);
  const file = await readFile(keys.path, "utf8");
  assert.ok(!file.includes(m[2]), "the secret is not in the file");
  assert.ok(file.includes(createHash("sha256").update(m[2]).digest("hex")), "its hash is");
  assert.equal((await stat(keys.path)).mode & 0o777, 0o600);
  const listed = (await keys.list()).find((k) => k.id === id);
  assert.deepEqual(Object.keys(listed ?? {}).sort(), ["createdAt", "id", "name", "rateLimit", "scopes"]);
  assert.equal(listed?.rateLimit, 30);
  const v = await keys.verify(token);
  assert.ok(v.ok && v.key.name === "batch job");
  // one changed character of the secret, a token of the wrong shape, an unknown id
  const flipped = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
  assert.deepEqual(await keys.verify(flipped), { ok: false, reason: "unknown" });
  assert.deepEqual(await keys.verify("ingot_abc"), { ok: false, reason: "malformed" });
  assert.deepEqual(await keys.verify(`ingot_${"0".repeat(16)}_${m[2]}`), { ok: false, reason: "unknown" });
});

test("bad key options are refused with the field named", async () => {
  await assert.rejects(keys.create({ name: "", scopes: ["predict"] }), /API key name: must not be empty/);
  await assert.rejects(keys.create({ name: "a\nb", scopes: ["predict"] }), /name: must not contain control characters/);
  await assert.rejects(keys.create({ name: "x", scopes: ["root" as "admin"] }), /API key scopes\[0\]/);
  await assert.rejects(keys.create({ name: "x", scopes: [] }), /scopes: give at least one scope/);
  await assert.rejects(keys.create({ name: "x", scopes: ["predict"], rateLimit: 1.5 }), /rateLimit: must be a whole number/);
  await assert.rejects(keys.revoke("nope"), /no API key with id "nope"/);
});

test("a corrupt key file is an error naming the file (and the field)", async () => {
  const p = join(root, "broken.json");
  await writeFile(p, "{ not json");
  await assert.rejects(openApiKeys(p), (e: Error) => e.message.includes(p) && /not valid JSON/.test(e.message));
  await writeFile(p, JSON.stringify({ version: 1, keys: [{ id: "0123456789abcdef", name: "x", scopes: ["sudo"], secretSha256: "0".repeat(64), createdAt: "" }] }));
  await assert.rejects(openApiKeys(p), (e: Error) => e.message.includes(p) && e.message.includes("keys[0].scopes[0]"));
});

test("every /v1 route needs a key: 401 without or with a bad one, in the server's JSON error format", async () => {
  for (const [method, url] of [["POST", "/v1/models/linear/predict"], ["GET", "/v1/models"], ["POST", "/v1/models/linear/versions/1/predict"]] as const) {
    const r = await call(method, url);
    assert.equal(r.status, 401, url);
    assert.equal((r.json.error as Json).code, "missing_api_key");
    assert.match((r.json.error as Json).message as string, /Authorization: Bearer/);
    assert.equal(r.headers["www-authenticate"], 'Bearer realm="ingot"');
  }
  for (const headers of [{ authorization: "Bearer ingot_nope" } as Record<string, string>, { authorization: `Basic ${predictToken}` }, { "x-api-key": "garbage" }, { authorization: `Bearer ${predictToken}x` }]) {
    const r = await call("POST", "/v1/models/linear/predict", headers);
    assert.equal(r.status, 401, JSON.stringify(headers));
    assert.equal((r.json.error as Json).code, "invalid_api_key");
  }
});

test("a predict key works by Bearer or x-api-key; admin implies predict; the open routes stay open", async () => {
  for (const headers of [{ authorization: `Bearer ${predictToken}` } as Record<string, string>, { "x-api-key": predictToken }, { authorization: `bearer ${adminToken}` }]) {
    const r = await call("POST", "/v1/models/linear/predict", headers);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json.predictions, [{ value: 1.5 }]);
  }
  assert.equal((await call("GET", "/v1/models", { "x-api-key": predictToken })).status, 200);
  assert.equal((await call("GET", "/healthz")).status, 200);
  assert.equal((await call("GET", "/readyz")).status, 200);
  assert.equal((await call("GET", "/docs/json")).status, 200, "docs are open by default");
});

test("a route protected with admin gives 403 to a predict key", async () => {
  const r = await call("GET", "/metrics", { authorization: `Bearer ${predictToken}` });
  assert.equal(r.status, 403);
  assert.deepEqual(r.json.error, { code: "insufficient_scope", message: 'API key "checkout" lacks the scope "admin" (it has predict)' });
  assert.equal((await call("GET", "/metrics")).status, 401);
  const ok = await call("GET", "/metrics", { authorization: `Bearer ${adminToken}` });
  assert.equal(ok.status, 200);
});

test("revoking a key, or creating one, through another handle on the file takes effect on the next request", async () => {
  const other = await openApiKeys(keys.path); // as `ingot keys` in another process would
  const { id, token } = await other.create({ name: "temp", scopes: ["predict"] });
  assert.equal((await call("POST", "/v1/models/linear/predict", { "x-api-key": token })).status, 200);
  await other.revoke(id);
  const r = await call("POST", "/v1/models/linear/predict", { "x-api-key": token });
  assert.equal(r.status, 401);
  assert.equal((r.json.error as Json).code, "api_key_revoked");
  assert.ok((await keys.list()).find((k) => k.id === id)?.revokedAt, "list shows the revocation");
});
