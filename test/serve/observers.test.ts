import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { createServer, InMemoryModelSource } from "../../src/serve/index.js";
import type { PredictEvent } from "../../src/serve/events.js";
import { NUMERIC, penguinRows, saveLinearModel, savePenguinSexModel, tempRoot } from "./helpers.js";

let root: string;
let source: InMemoryModelSource;
const r0 = penguinRows()[0];
const row = { Species: r0.Species, ...Object.fromEntries(NUMERIC.map((k) => [k, r0[k]])) };

before(async () => {
  root = await tempRoot();
  source = new InMemoryModelSource()
    .addVersion("linear", 1, await saveLinearModel(root)).setAlias("linear", "production", 1)
    .addVersion("penguins", 3, (await savePenguinSexModel(root, "sex", 1, 3)).dir).setAlias("penguins", "production", 3);
});

after(() => rm(root, { recursive: true, force: true }));

/** onResponse runs just after the reply is written: let it finish before looking. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test("onPredict sees each predict request once, success or error, with the documented fields", async () => {
  const events: PredictEvent[] = [];
  const app = createServer({ models: source, bodyLimit: 2048, onPredict: (e) => events.push(e) });
  try {
    const t0 = Date.now();
    const ok = await app.inject({ method: "POST", url: "/v1/models/penguins/predict", payload: { rows: [row, row] } });
    assert.equal(ok.statusCode, 200);
    const numeric = await app.inject({ method: "POST", url: "/v1/models/linear/versions/1/predict", payload: { inputs: [[1, 1]] } });
    assert.equal(numeric.statusCode, 200);
    await app.inject({ method: "POST", url: "/v1/models/penguins/aliases/canary/predict", payload: { rows: [row] } });
    await app.inject({ method: "POST", url: "/v1/models/linear/predict", payload: { inputs: [[1, "x"]] } });
    await app.inject({ method: "POST", url: "/v1/models/linear/predict", payload: { inputs: Array.from({ length: 500 }, () => [1, 2]) } });
    await app.inject({ method: "GET", url: "/v1/models" }); // not a predict request
    await settle();
    assert.equal(events.length, 5, JSON.stringify(events.map((e) => e.error)));
    const [e1, e2, e3, e4, e5] = events;
    assert.deepEqual({ ...e1, at: 0, latencyMs: 0 }, { model: "penguins", version: 3, at: 0, latencyMs: 0, rows: [row, row], inputs: null, predictions: (ok.json() as { predictions: unknown }).predictions, error: null });
    assert.ok(e1.at >= t0 && e1.at <= Date.now() && e1.latencyMs >= 0 && e1.latencyMs < 60_000);
    assert.deepEqual([e2.model, e2.version, e2.inputs, e2.rows, e2.predictions], ["linear", 1, [[1, 1]], null, [{ value: 1.5 }]]);
    assert.deepEqual([e3.version, e3.rows, e3.predictions, e3.error], [null, [row], null, { status: 404, code: "model_not_found" }]);
    assert.deepEqual([e4.model, e4.inputs, e4.error], ["linear", null, { status: 400, code: "invalid_field" }]);
    assert.deepEqual([e5.rows, e5.inputs, e5.error], [null, null, { status: 413, code: "payload_too_large" }]);
  } finally {
    await app.close();
  }
});

test("an observer that throws is logged and the request still succeeds", async () => {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  let calls = 0;
  const app = createServer({ models: source, logger: { level: "error", stream }, onPredict: () => { calls++; throw new Error("observer exploded"); } });
  try {
    for (let i = 0; i < 3; i++) {
      const r = await app.inject({ method: "POST", url: "/v1/models/linear/predict", payload: { inputs: [[0, 0]] } });
      assert.equal(r.statusCode, 200);
      assert.deepEqual((r.json() as { predictions: unknown }).predictions, [{ value: 0.5 }]);
    }
    await settle();
    assert.equal(calls, 3);
    assert.equal(lines.filter((l) => l.includes("observer exploded") && l.includes("onPredict observer failed")).length, 3);
    assert.equal((await app.inject({ method: "GET", url: "/healthz" })).statusCode, 200);
  } finally {
    await app.close();
  }
});
