import assert from "node:assert/strict";
import { test } from "node:test";
import { MicroBatcher, type FeatureMatrix } from "../../src/serve/index.js";

/** A "model" that doubles each row and appends the batch's row count, so a test sees the batching. */
function recorder(): { calls: number[]; forward: (x: FeatureMatrix) => { data: Float32Array; width: number } } {
  const calls: number[] = [];
  return {
    calls,
    forward: (x) => {
      calls.push(x.rows);
      const w = x.width + 1;
      const data = new Float32Array(x.rows * w);
      for (let i = 0; i < x.rows; i++) {
        for (let j = 0; j < x.width; j++) data[i * w + j] = 2 * x.data[i * x.width + j];
        data[i * w + x.width] = x.rows;
      }
      return { data, width: w };
    },
  };
}

const matrix = (rows: number[][]): FeatureMatrix => ({ data: Float32Array.from(rows.flat()), rows: rows.length, width: rows[0].length });

test("requests of one turn share a forward pass and each gets back its own rows", async () => {
  const r = recorder();
  const b = new MicroBatcher(r.forward, { maxBatch: 64 });
  const [a, c, d] = await Promise.all([b.submit(matrix([[1, 2]])), b.submit(matrix([[3, 4], [5, 6]])), b.submit(matrix([[7, 8]]))]);
  assert.deepEqual(r.calls, [4]);
  assert.deepEqual(Array.from(a.data), [2, 4, 4]);
  assert.deepEqual(Array.from(c.data), [6, 8, 4, 10, 12, 4]);
  assert.deepEqual(Array.from(d.data), [14, 16, 4]);
  assert.equal(c.width, 3);
});

test("a batch runs as soon as it reaches maxBatch rows; the rest wait for the next one", async () => {
  const r = recorder();
  const b = new MicroBatcher(r.forward, { maxBatch: 2, maxWaitMs: 50 });
  const outs = await Promise.all([1, 2, 3, 4, 5].map((v) => b.submit(matrix([[v]]))));
  // two full batches at once; the fifth row runs alone after maxWaitMs
  assert.deepEqual(r.calls, [2, 2, 1]);
  assert.deepEqual(outs.map((o) => o.data[0]), [2, 4, 6, 8, 10]);
});

test("rows of different widths never share a batch, and a failing forward rejects its whole batch", async () => {
  const r = recorder();
  const b = new MicroBatcher(r.forward, { maxBatch: 64 });
  await Promise.all([b.submit(matrix([[1]])), b.submit(matrix([[1, 2]]))]);
  assert.deepEqual(r.calls.sort(), [1, 1]);
  const failing = new MicroBatcher(() => { throw new Error("boom"); });
  const results = await Promise.allSettled([failing.submit(matrix([[1]])), failing.submit(matrix([[2]]))]);
  assert.deepEqual(results.map((x) => x.status), ["rejected", "rejected"]);
  assert.throws(() => new MicroBatcher(r.forward, { maxBatch: 0 }), /maxBatch/);
});
