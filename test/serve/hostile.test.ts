import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { createServer, InMemoryModelSource } from "../../src/serve/index.js";
import { openApiKeys } from "../../src/serve/auth/index.js";
import { saveLinearModel, tempRoot } from "./helpers.js";

let root: string;
let app: FastifyInstance;
let port: number;
let token: string;

before(async () => {
  root = await tempRoot();
  const keys = await openApiKeys(join(root, "api-keys.json"));
  token = (await keys.create({ name: "ok", scopes: ["predict"] })).token;
  const source = new InMemoryModelSource().addVersion("linear", 1, await saveLinearModel(root)).setAlias("linear", "production", 1);
  app = createServer({ models: source, apiKeys: keys, bodyLimit: 64 * 1024 });
  await app.listen({ port: 0, host: "127.0.0.1" });
  port = (app.server.address() as { port: number }).port;
});

after(async () => {
  await app.close();
  await rm(root, { recursive: true, force: true });
});

/** Writes raw bytes to the server and reads everything until it closes the connection. */
function raw(request: string | Buffer): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("error", (e: NodeJS.ErrnoException) => (e.code === "ECONNRESET" || e.code === "EPIPE" ? undefined : reject(e)));
    s.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const [head, ...rest] = text.split("\r\n\r\n");
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body: rest.join("\r\n\r\n") });
    });
    s.write(request);
  });
}

/** A JSON error in the server's format, with no trace of a stack. */
function assertCleanError(body: string, code: RegExp): void {
  const json = JSON.parse(body) as { error: { code: string; message: string } };
  assert.match(json.error.code, code, body);
  assert.ok(!/\bat \S+ \(|node:internal|\/work\/|\.ts:\d+/.test(body), `no stack in ${body}`);
}

const auth = (): string => `Authorization: Bearer ${token}\r\n`;

test("a huge body is refused with 413, whether its length is declared or streamed chunked", async () => {
  const big = JSON.stringify({ inputs: Array.from({ length: 20_000 }, () => [1, 2]) });
  const declared = await fetch(`http://127.0.0.1:${port}/v1/models/linear/predict`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: big });
  assert.equal(declared.status, 413);
  assertCleanError(await declared.text(), /^payload_too_large$/);
  const chunk = Buffer.alloc(32 * 1024, " ").toString();
  let chunked = `POST /v1/models/linear/predict HTTP/1.1\r\nHost: x\r\n${auth()}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
  for (let i = 0; i < 4; i++) chunked += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
  chunked += "0\r\n\r\n";
  const r = await raw(chunked);
  assert.equal(r.status, 413, r.headers);
  assertCleanError(r.body.replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, ""), /^payload_too_large$/);
});

test("malformed JSON, prototype poisoning, deep nesting and wrong content types are clean 4xx errors", async () => {
  const post = (payload: string, type = "application/json") => app.inject({ method: "POST", url: "/v1/models/linear/predict", headers: { "content-type": type, authorization: `Bearer ${token}` }, payload });
  const cases: [string, string, number, RegExp][] = [
    ['{"inputs": [[1, 2]', "application/json", 400, /^malformed_json$/],
    ["", "application/json", 400, /^empty_body$/],
    ['{"__proto__": {"admin": true}, "inputs": [[1, 2]]}', "application/json", 400, /^forbidden_property$/],
    ['{"inputs": [[1, 2]], "x": {"constructor": {"prototype": {"x": 1}}}}', "application/json", 400, /^forbidden_property$/],
    ["[".repeat(10_000) + "]".repeat(10_000), "application/json", 400, /^invalid_body$/],
    [`{"inputs": ${"[".repeat(5_000)}1${"]".repeat(5_000)}}`, "application/json", 400, /^invalid_field$/],
    ["inputs=1", "application/x-www-form-urlencoded", 415, /^unsupported_media_type$/],
    ['{"inputs": [[1, 2]]}', "text/plain", 415, /^unsupported_media_type$/],
    ["<a/>", "application/xml", 415, /^unsupported_media_type$/],
  ];
  for (const [payload, type, status, code] of cases) {
    const r = await post(payload, type);
    assert.equal(r.statusCode, status, `${type} ${payload.slice(0, 40)}: ${r.body}`);
    assertCleanError(r.body, code);
  }
  const located = await post('{"inputs": [[1, 2],\n  [3 4]]}');
  assert.deepEqual(located.json(), { error: { code: "malformed_json", field: "body", message: "body: not valid JSON (line 2 column 6): Expected ',' or ']' after array element" } });
  const r = await post('{"inputs": [[1, 2]]}', "text/plain");
  assert.match((r.json() as { error: { message: string } }).error.message, /content-type "text\/plain" is not supported here; send application\/json/);
  assert.equal(({} as Record<string, unknown>).admin, undefined, "no prototype was polluted");
});

test("header injection and garbage in credentials: clean 400s from the parser, 401s from the server", async () => {
  for (const bad of [`x-api-key: ${token}\rX-Evil: 1`, `x-api-key: ${token}\u0000`, "Authorization: Bearer \u0001\u0002"]) {
    const r = await raw(`GET /v1/models HTTP/1.1\r\nHost: x\r\n${bad}\r\nConnection: close\r\n\r\n`);
    assert.ok(r.status === 400 || r.status === 401, `${JSON.stringify(bad)}: ${r.headers}`);
    assertCleanError(r.body, /^(malformed_request|invalid_api_key)$/);
    assert.ok(!/x-evil/i.test(r.headers), "no injected header came back");
  }
  const huge = await raw(`GET /v1/models HTTP/1.1\r\nHost: x\r\nx-api-key: ${"a".repeat(100_000)}\r\nConnection: close\r\n\r\n`);
  assert.equal(huge.status, 431);
  assertCleanError(huge.body, /^headers_too_large$/);
  const weird = ["Bearer", "Bearer  ", `Bearer ${token} ${token}`, `Bearer ${token.replace("ingot_", "INGOT_")}`, "Bearer ingot_../../etc/passwd", `Bearer ${"é".repeat(50)}`, "Bearer {\"$ne\": null}"];
  for (const authorization of weird) {
    const r = await app.inject({ method: "GET", url: "/v1/models", headers: { authorization } });
    assert.equal(r.statusCode, 401, authorization);
    assertCleanError(r.body, /^invalid_api_key$/);
  }
  const twice = await raw(`GET /v1/models HTTP/1.1\r\nHost: x\r\nx-api-key: ${token}\r\nx-api-key: ${token}\r\nConnection: close\r\n\r\n`);
  assert.equal(twice.status, 401);
  assertCleanError(twice.body, /^invalid_api_key$/);
});

test("a flood of bad tokens gets only 401s, fast, with no stack traces, and the good key keeps working", async () => {
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: 300 }, (_, i) => {
    const secret = randomBytes(32).toString("base64url");
    const id = i % 2 ? token.split("_")[1] : randomBytes(8).toString("hex"); // half guess the real id
    return app.inject({ method: "POST", url: "/v1/models/linear/predict", headers: { "x-api-key": `ingot_${id}_${secret}` }, payload: { inputs: [[1, 2]] } });
  }));
  assert.ok(results.every((r) => r.statusCode === 401), JSON.stringify([...new Set(results.map((r) => r.statusCode))]));
  for (const r of results) assertCleanError(r.body, /^invalid_api_key$/);
  assert.ok(performance.now() - started < 20_000);
  const ok = await app.inject({ method: "POST", url: "/v1/models/linear/predict", headers: { "x-api-key": token }, payload: { inputs: [[1, 2]] } });
  assert.equal(ok.statusCode, 200);
});
