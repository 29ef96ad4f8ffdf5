import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { join } from "node:path";
import { test } from "node:test";
import { createServer, InMemoryModelSource } from "../../src/serve/index.js";
import { saveLinearModel, tempRoot } from "./helpers.js";

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

function send(req: typeof httpsRequest | typeof httpRequest, url: string, opts: RequestOptions, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const r = req(url, { ...opts, method: body ? "POST" : "GET", headers: body ? { "content-type": "application/json" } : {} }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    r.on("error", reject);
    r.end(body);
  });
}

test("serves HTTPS with a given key and certificate", { skip: hasOpenssl ? false : "openssl is not installed (needed to make a test certificate)" }, async () => {
  const root = await tempRoot();
  const key = join(root, "key.pem");
  const cert = join(root, "cert.pem");
  const made = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { encoding: "utf8" });
  assert.equal(made.status, 0, made.stderr);
  const source = new InMemoryModelSource().addVersion("linear", 1, await saveLinearModel(root)).setAlias("linear", "production", 1);
  const app = createServer({ models: source, https: { key: readFileSync(key), cert: readFileSync(cert, "utf8") } });
  try {
    const address = await app.listen({ port: 0, host: "127.0.0.1" });
    assert.match(address, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(cert);
    const health = await send(httpsRequest, `${address}/healthz`, { ca });
    assert.deepEqual([health.status, JSON.parse(health.text)], [200, { status: "ok" }]);
    const p = await send(httpsRequest, `${address}/v1/models/linear/predict`, { ca }, JSON.stringify({ inputs: [[2, 1]] }));
    assert.equal(p.status, 200, p.text);
    assert.deepEqual(JSON.parse(p.text).predictions, [{ value: 3.5 }]);
    // without our CA the certificate is untrusted; plain HTTP on the port gets no HTTP answer
    await assert.rejects(send(httpsRequest, `${address}/healthz`, {}), /self[- ]signed/i);
    await assert.rejects(send(httpRequest, address.replace("https:", "http:") + "/healthz", {}));
  } finally {
    await app.close();
    await rm(root, { recursive: true, force: true });
  }
});
