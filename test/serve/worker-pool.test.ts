// Inference worker threads behind ModelCache: same outputs as in-thread, the event loop free during a
// forward pass, several versions at once, crash recovery, load errors, and shutdown with no threads left.
import assert from "node:assert/strict";
import { test } from "node:test";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { Generator, getBackend, Linear, ReLU, saveModelDir, Sequential, type FeatureMatrix } from "../../src/index.js";
import { registeredLayers } from "../../src/nn/config.js";
import { ModelCache, type ModelLease } from "../../src/serve/index.js";
import { WorkerPool } from "../../src/serve/worker-pool.js";
import type { FromWorker } from "../../src/serve/worker-protocol.js";
import { saveLinearModel, tempRoot } from "./helpers.js";

/** Saves a ReLU MLP with layer widths `sizes` and seeded random weights. */
async function saveMlp(root: string, name: string, sizes: number[], seed: number): Promise<string> {
  const g = new Generator(seed);
  const layers = [];
  for (let i = 1; i < sizes.length; i++) {
    if (i > 1) layers.push(new ReLU());
    layers.push(new Linear(sizes[i - 1], sizes[i], { generator: g }));
  }
  const model = new Sequential(...layers);
  const dir = join(root, name);
  await saveModelDir(dir, { architecture: model.getConfig(), stateDict: model.stateDict() });
  model.dispose();
  return dir;
}

function randomMatrix(rows: number, width: number, seed: number): FeatureMatrix {
  let s = seed;
  const data = new Float32Array(rows * width);
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    data[i] = (s / 2 ** 31) * 4 - 2;
  }
  return { data, rows, width };
}

const copy = (x: FeatureMatrix): FeatureMatrix => ({ ...x, data: x.data.slice() });

async function predict(cache: ModelCache, ref: { name: string; version: number; dir: string }, x: FeatureMatrix): Promise<Float32Array> {
  const lease = await cache.acquire(ref);
  try {
    return (await lease.forward(x)).data;
  } finally {
    lease.release();
  }
}

test("a worker can build every layer type the library registers on the main thread", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    const ready = await new Promise<FromWorker>((resolve) => pool.threads[0].once("message", resolve));
    assert.equal(ready.type, "ready");
    const inWorker = new Set(ready.type === "ready" ? ready.layers : []);
    const missing = registeredLayers().filter((t) => !inWorker.has(t)); // src/index.js is loaded here
    assert.deepEqual(missing, []);
    assert.ok(inWorker.has("Linear") && inWorker.has("GPT2"));
  } finally {
    await pool.close();
  }
});

test("forward passes in workers give the in-thread outputs bit for bit", async () => {
  const root = await tempRoot();
  const here = new ModelCache({ batching: { maxBatch: 64 } });
  const workers = new ModelCache({ workers: 1, batching: { maxBatch: 64 } });
  try {
    const ref = { name: "mlp", version: 1, dir: await saveMlp(root, "mlp", [40, 64, 3], 7) };
    const requests = [1, 5, 30, 64, 100].map((rows, i) => randomMatrix(rows, 40, i + 1));
    // concurrent, so the worker side batches some of them together too
    const inThread = await Promise.all(requests.map((x) => predict(here, ref, copy(x))));
    const inWorkers = await Promise.all(requests.map((x) => predict(workers, ref, copy(x))));
    for (let i = 0; i < requests.length; i++) {
      assert.equal(inWorkers[i].length, requests[i].rows * 3);
      assert.deepEqual(new Uint8Array(inWorkers[i].buffer, inWorkers[i].byteOffset, inWorkers[i].byteLength), new Uint8Array(inThread[i].buffer, inThread[i].byteOffset, inThread[i].byteLength));
    }
    assert.equal(workers.pool?.backend, getBackend().name, "the workers use this thread's backend");
  } finally {
    here.clear();
    await workers.clear();
    await rm(root, { recursive: true, force: true });
  }
});

test("the event loop runs other callbacks while a worker is inside a long forward pass", async () => {
  const root = await tempRoot();
  const cache = new ModelCache({ workers: 1, batching: false });
  try {
    const ref = { name: "big", version: 1, dir: await saveMlp(root, "big", [256, 512, 512, 512, 8], 3) };
    const lease = await cache.acquire(ref);
    const pool = cache.pool!;
    let done = false;
    const out = lease.forward(randomMatrix(1024, 256, 9)).finally(() => (done = true));
    // In-thread, the forward pass runs inside one callback, so no other callback can ever see it
    // running. Here a setImmediate callback reads, from memory the worker writes, that the worker is
    // between starting and finishing the forward pass at that very moment.
    let turnsDuringForward = 0;
    while (!done) {
      await nextTurn();
      if (pool.forwardsRunning() === 1 && !done) turnsDuringForward++;
    }
    assert.equal((await out).data.length, 1024 * 8);
    assert.ok(turnsDuringForward > 0, "no callback ran while the worker was inside the forward pass");
    assert.equal(pool.forwardsRunning(), 0);
    lease.release();
  } finally {
    await cache.clear();
    await rm(root, { recursive: true, force: true });
  }
});

test("concurrent requests across two versions each get their own version's answer, loaded once each", async () => {
  const root = await tempRoot();
  const loads: string[] = [];
  const cache = new ModelCache({ workers: 2, batching: { maxBatch: 8, maxWaitMs: 1 }, onLoad: (m) => loads.push(`${m.name}@${m.version}`) });
  const reference = new ModelCache();
  try {
    const v1 = { name: "m", version: 1, dir: await saveLinearModel(root) }; // 2·x0 − x1 + 0.5
    const v2 = { name: "m", version: 2, dir: await saveMlp(root, "v2", [2, 8, 1], 5) };
    const xs = Array.from({ length: 40 }, (_, i) => randomMatrix(1 + (i % 3), 2, 100 + i));
    const refs = xs.map((_, i) => (i % 2 === 0 ? v1 : v2));
    const got = await Promise.all(xs.map((x, i) => predict(cache, refs[i], copy(x))));
    assert.deepEqual(loads.sort(), ["m@1", "m@2"]);
    for (let i = 0; i < xs.length; i++) {
      const want = await predict(reference, refs[i], copy(xs[i]));
      assert.deepEqual(Array.from(got[i]), Array.from(want), `request ${i} (version ${refs[i].version})`);
    }
    const x0 = xs[0].data;
    assert.deepEqual(Array.from(got[0]).map((v) => Math.round(v * 1e4) / 1e4), [Math.round((2 * x0[0] - x0[1] + 0.5) * 1e4) / 1e4]);
  } finally {
    reference.clear();
    await cache.clear();
    await rm(root, { recursive: true, force: true });
  }
});

test("a worker that throws fails only the request it held, and a fresh worker takes its place", async () => {
  const root = await tempRoot();
  const cache = new ModelCache({ workers: 2, batching: false });
  try {
    const ref = { name: "m", version: 1, dir: await saveLinearModel(root) };
    const lease = await cache.acquire(ref);
    const pool = cache.pool!;
    const [first, second] = pool.threads;
    const firstId = first.threadId;
    // a message the worker cannot understand makes it throw before it reads the forward queued behind
    first.postMessage({ type: "not-a-message" });
    const x = (v: number): FeatureMatrix => ({ data: Float32Array.from([v, 0]), rows: 1, width: 2 });
    const [onFirst, onSecond] = await Promise.allSettled([lease.forward(x(1)), lease.forward(x(2))]); // one per idle worker
    assert.equal(onFirst.status, "rejected");
    assert.match(String((onFirst as PromiseRejectedResult).reason), new RegExp(`inference worker \\(thread ${firstId}\\) stopped: inference-worker: unknown message .*replaced`));
    assert.deepEqual(onSecond, { status: "fulfilled", value: { data: Float32Array.from([4.5]), width: 1 } });
    assert.equal(pool.threads.length, 2);
    assert.notEqual(pool.threads[0].threadId, firstId, "the crashed worker was replaced");
    assert.equal(pool.threads[1], second, "the healthy worker was left alone");
    // the replacement loads the model on its first request; both workers answer again
    const again = await Promise.all([3, 4, 5, 6].map((v) => lease.forward(x(v))));
    assert.deepEqual(again.map((o) => o.data[0]), [6.5, 8.5, 10.5, 12.5]);

    // a worker that exits (here: terminated from outside) is replaced the same way
    await pool.threads[1].terminate();
    await nextTurn();
    assert.equal(pool.threads.length, 2);
    assert.ok(pool.threads.every((t) => t.threadId > 0));
    assert.deepEqual((await Promise.all([7, 8].map((v) => lease.forward(x(v))))).map((o) => o.data[0]), [14.5, 16.5]);
    assert.deepEqual(pool.inFlight, [0, 0]);
    lease.release();
  } finally {
    await cache.clear();
    await rm(root, { recursive: true, force: true });
  }
});

test("a model directory that fails to load in the workers gives the in-thread error, and is not cached", async () => {
  const root = await tempRoot();
  const here = new ModelCache();
  const workers = new ModelCache({ workers: 1 });
  try {
    const missing = { name: "m", version: 1, dir: join(root, "missing") };
    const broken = { name: "m", version: 2, dir: await saveLinearModel(root) };
    await writeFile(join(broken.dir, "model.safetensors"), "not a safetensors file");
    for (const ref of [missing, broken]) {
      const inThread = await here.acquire(ref).then(() => null, (e: Error) => e);
      const inWorker = await workers.acquire(ref).then(() => null, (e: Error) => e);
      assert.ok(inThread && inWorker);
      assert.equal(inWorker.message, inThread.message);
      assert.equal(inWorker.name, inThread.name);
      assert.equal(inWorker.constructor, inThread.constructor);
    }
    assert.match((await workers.acquire(missing).catch((e: Error) => e)).toString(), /ModelDirError: .*missing: no such model directory/);
    assert.equal(workers.size, 0, "failed loads are not cached");
  } finally {
    here.clear();
    await workers.clear();
    await rm(root, { recursive: true, force: true });
  }
});

test("an evicted version keeps serving its lease from the workers; clear() stops every thread once leases end", async () => {
  const root = await tempRoot();
  let loads = 0;
  const cache = new ModelCache({ workers: 1, maxModels: 1, onLoad: () => loads++ });
  try {
    const dir = await saveLinearModel(root);
    const old: ModelLease = await cache.acquire({ name: "m", version: 1, dir });
    const fresh = await cache.acquire({ name: "m", version: 2, dir }); // evicts version 1
    assert.equal(cache.size, 1);
    assert.equal(old.module, null, "the weights live in the workers");
    assert.deepEqual(Array.from((await old.forward({ data: Float32Array.from([1, 1]), rows: 1, width: 2 })).data), [1.5]);
    old.release();
    fresh.release();
    // evicted and freed in the workers: acquiring version 1 again loads it again
    assert.deepEqual(Array.from(await predict(cache, { name: "m", version: 1, dir }, { data: Float32Array.from([2, 1]), rows: 1, width: 2 })), [3.5]);
    assert.equal(loads, 3);

    const pool = cache.pool!;
    const threads = [...pool.threads];
    const exits = threads.map((t) => new Promise<number>((resolve) => t.once("exit", resolve)));
    const held = await cache.acquire({ name: "m", version: 1, dir });
    let cleared = false;
    const clearing = cache.clear().then(() => (cleared = true));
    assert.equal(cache.pool, null);
    // the lease taken before clear() still runs on the old pool, which waits for its release
    assert.deepEqual(Array.from((await held.forward({ data: Float32Array.from([0, 1]), rows: 1, width: 2 })).data), [-0.5]);
    await nextTurn();
    assert.equal(cleared, false, "clear() waited for the last lease");
    held.release();
    await clearing;
    await Promise.all(exits);
    assert.ok(threads.every((t) => t.threadId === -1), "every worker thread has exited");
  } finally {
    await cache.clear();
    await rm(root, { recursive: true, force: true });
  }
});
