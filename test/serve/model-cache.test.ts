import assert from "node:assert/strict";
import { test } from "node:test";
import { rm } from "node:fs/promises";
import { createServer, InMemoryModelSource, ModelCache } from "../../src/serve/index.js";
import { saveLinearModel, tempRoot } from "./helpers.js";

test("an evicted version keeps serving its in-flight lease and is disposed when the lease ends", async () => {
  const root = await tempRoot();
  try {
    const dir = await saveLinearModel(root);
    const cache = new ModelCache({ maxModels: 1 });
    const old = await cache.acquire({ name: "m", version: 1, dir });
    const fresh = await cache.acquire({ name: "m", version: 2, dir }); // evicts version 1
    assert.equal(cache.size, 1);
    const weight = old.module!.parameters()[0];
    const out = await old.forward({ data: Float32Array.from([1, 1]), rows: 1, width: 2 });
    assert.deepEqual(Array.from(out.data), [1.5]);
    assert.equal(weight.isDisposed, false);
    old.release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(weight.isDisposed, true);
    assert.equal(fresh.module!.parameters()[0].isDisposed, false);
    fresh.release();
    cache.clear();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("a version is loaded once for concurrent requests, and a failed load is retried later", async () => {
  const root = await tempRoot();
  try {
    const dir = await saveLinearModel(root);
    const cache = new ModelCache();
    const leases = await Promise.all([1, 2, 3].map(() => cache.acquire({ name: "m", version: 1, dir })));
    assert.ok(leases.every((l) => l.model === leases[0].model));
    leases.forEach((l) => l.release());
    await assert.rejects(cache.acquire({ name: "m", version: 2, dir: `${root}/missing` }), /no such model directory/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(cache.size, 1, "the failed load is not cached");
    cache.clear();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("concurrent requests to the server are micro-batched and each gets its own answer", async () => {
  const root = await tempRoot();
  const source = new InMemoryModelSource().addVersion("linear", 1, await saveLinearModel(root)).setAlias("linear", "production", 1);
  const app = createServer({ models: source, batching: { maxBatch: 64, maxWaitMs: 20 } });
  try {
    const xs = Array.from({ length: 10 }, (_, i) => [i, i % 3]);
    const answers = await Promise.all(xs.map((x) => app.inject({ method: "POST", url: "/v1/models/linear/predict", payload: { inputs: [x] } })));
    answers.forEach((r, i) => assert.deepEqual((r.json() as { predictions: unknown }).predictions, [{ value: 2 * xs[i][0] - xs[i][1] + 0.5 }]));
    const metrics = (await app.inject({ method: "GET", url: "/metrics" })).body;
    const passes = Number(/^ingot_batch_rows_count\{model="linear",version="1"\} (\d+)$/m.exec(metrics)?.[1]);
    const rows = Number(/^ingot_batch_rows_sum\{model="linear",version="1"\} (\d+)$/m.exec(metrics)?.[1]);
    assert.equal(rows, 10);
    assert.ok(passes < 10, `${passes} forward passes for 10 requests`);
  } finally {
    await app.close();
    await rm(root, { recursive: true, force: true });
  }
});
