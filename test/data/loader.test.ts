// DataLoader and asyncSource: every row once per epoch, seeded orders, dropLast, batch ownership (no
// leaked tensors, even on early exit), Table sources, rebatching of streamed chunks, and prefetch
// overlapping a slow source with a slow consumer.
import assert from "node:assert/strict";
import { test } from "node:test";
import { asyncSource, DataLoader, type Batch, type SourceChunk } from "../../src/data/loader.js";
import { Table } from "../../src/data/table.js";
import { liveTensors, tensor } from "../../src/tensor/index.js";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** x row i is [i, 100 + i], y is 1000 + i, mask is i % 2: a batch's rows can be checked against each other. */
function source(n: number): { x: ReturnType<typeof tensor>; y: ReturnType<typeof tensor>; mask: ReturnType<typeof tensor> } {
  return {
    x: tensor(range(n).map((i) => [i, 100 + i])),
    y: tensor(range(n).map((i) => 1000 + i)),
    mask: tensor(range(n).map((i) => i % 2), { dtype: "int32" }),
  };
}

async function epochRows(loader: AsyncIterable<Batch>): Promise<{ rows: number[]; sizes: number[] }> {
  const rows: number[] = [];
  const sizes: number[] = [];
  for await (const b of loader) {
    const x = Array.from(b.x.dataSync());
    const y = Array.from(b.y.dataSync());
    const m = Array.from(b.mask?.dataSync() ?? []);
    sizes.push(b.x.shape[0]);
    assert.deepEqual(b.x.shape.slice(1), [2]);
    for (let i = 0; i < b.x.shape[0]; i++) {
      const row = x[2 * i];
      assert.equal(x[2 * i + 1], 100 + row, "x row intact");
      assert.equal(y[i], 1000 + row, "y matches x");
      if (m.length) assert.equal(m[i], row % 2, "mask matches x");
      assert.equal(b.indices[i], row, "indices name the rows");
      rows.push(row);
    }
  }
  return { rows, sizes };
}

test("every row appears exactly once per epoch, shuffled or not; batch sizes", async () => {
  const src = source(23);
  const plain = await epochRows(new DataLoader(src, { batchSize: 5 }));
  assert.deepEqual(plain.rows, range(23));
  assert.deepEqual(plain.sizes, [5, 5, 5, 5, 3]);
  const loader = new DataLoader(src, { batchSize: 5, shuffle: true, seed: 3 });
  assert.equal(loader.length, 5);
  const e1 = await epochRows(loader);
  const e2 = await epochRows(loader);
  assert.deepEqual([...e1.rows].sort((a, b) => a - b), range(23));
  assert.deepEqual([...e2.rows].sort((a, b) => a - b), range(23));
  assert.notDeepEqual(e1.rows, range(23), "shuffled");
  assert.notDeepEqual(e1.rows, e2.rows, "a new order each epoch");
});

test("seeded orders are reproducible epoch after epoch", async () => {
  const src = source(30);
  const a = new DataLoader(src, { batchSize: 4, shuffle: true, seed: 42 });
  const b = new DataLoader(src, { batchSize: 4, shuffle: true, seed: 42, prefetch: 0 });
  const c = new DataLoader(src, { batchSize: 4, shuffle: true, seed: 43 });
  for (let epoch = 0; epoch < 2; epoch++) {
    const ra = (await epochRows(a)).rows;
    assert.deepEqual((await epochRows(b)).rows, ra, `epoch ${epoch}: same seed, same order (prefetch does not change it)`);
    assert.notDeepEqual((await epochRows(c)).rows, ra);
  }
});

test("dropLast drops the short last batch", async () => {
  const loader = new DataLoader(source(10), { batchSize: 4, dropLast: true, shuffle: true, seed: 1 });
  assert.equal(loader.length, 2);
  const { rows, sizes } = await epochRows(loader);
  assert.deepEqual(sizes, [4, 4]);
  assert.equal(new Set(rows).size, 8);
});

test("batches are disposed when the next is requested and at the end, also on early exit", async () => {
  const src = source(20);
  const before = liveTensors();
  const seen: Batch[] = [];
  for await (const b of new DataLoader(src, { batchSize: 3, prefetch: 3 })) {
    assert.ok(seen.every((p) => p.x.isDisposed && p.y.isDisposed && (p.mask?.isDisposed ?? true)), "earlier batches are disposed");
    assert.ok(!b.x.isDisposed);
    seen.push(b);
  }
  assert.equal(seen.length, 7);
  assert.ok(seen.every((b) => b.x.isDisposed));
  assert.equal(liveTensors(), before, "no tensor leaked");
  let n = 0;
  for await (const b of new DataLoader(src, { batchSize: 3, prefetch: 3 })) {
    assert.ok(b);
    if (++n === 2) break;
  }
  assert.equal(liveTensors(), before, "prefetched batches are released on break");
  const kept: Batch[] = [];
  for await (const b of new DataLoader(src, { batchSize: 10, autoDispose: false })) kept.push(b);
  assert.ok(kept.every((b) => !b.x.isDisposed), "autoDispose: false leaves them to the caller");
  for (const b of kept) b.dispose();
  assert.equal(liveTensors(), before);
});

test("a Table source: feature columns become x, the target y (int32 class indices on request)", async () => {
  const t = new Table([
    { name: "a", type: "number", values: Float64Array.from([1, 2, 3]) },
    { name: "flag", type: "boolean", values: [true, false, true] },
    { name: "cls", type: "number", values: Float64Array.from([2, 0, 1]) },
    { name: "s", type: "string", values: ["x", "y", "z"] },
  ]);
  const batches: { x: number[]; y: number[]; dtype: string }[] = [];
  for await (const b of new DataLoader({ table: t, features: ["a", "flag"], target: "cls", targetDtype: "int32" }, { batchSize: 2 })) {
    batches.push({ x: Array.from(b.x.dataSync()), y: Array.from(b.y.dataSync()), dtype: b.y.dtype });
  }
  assert.deepEqual(batches, [
    { x: [1, 1, 2, 0], y: [2, 0], dtype: "int32" },
    { x: [3, 1], y: [1], dtype: "int32" },
  ]);
  assert.throws(() => new DataLoader({ table: t, features: ["s"], target: "cls" }), /column "s" is text; encode it/);
  const holey = t.withColumn({ name: "a", type: "number", values: Float64Array.from([1, NaN, 3]) });
  assert.throws(() => new DataLoader({ table: holey, features: ["a"], target: "cls" }), /column "a" is missing at row 1/);
  assert.throws(() => new DataLoader(source(3), { batchSize: 0 }), /batchSize must be a positive integer, got 0/);
  assert.throws(() => new DataLoader({ x: tensor([[1], [2]]), y: tensor([1]) }), /x has 2 rows but y has 1/);
});

async function* chunks(sizes: number[], delayMs = 0): AsyncGenerator<SourceChunk> {
  let at = 0;
  for (const n of sizes) {
    if (delayMs) await sleep(delayMs);
    const x = Float32Array.from(range(n).flatMap((i) => [at + i, 100 + at + i]));
    const y = Float32Array.from(range(n).map((i) => 1000 + at + i));
    at += n;
    yield { x, y, numFeatures: 2 };
  }
}

test("asyncSource rebatches chunks of any size into fixed batches; Table chunks; dropLast; shuffle within chunks", async () => {
  const plain = await epochRows(asyncSource(chunks([7, 3, 5]), { batchSize: 4 }));
  assert.deepEqual(plain.rows, range(15));
  assert.deepEqual(plain.sizes, [4, 4, 4, 3]);
  assert.deepEqual((await epochRows(asyncSource(chunks([7, 3, 5]), { batchSize: 4, dropLast: true }))).sizes, [4, 4, 4]);
  const shuffled = await epochRows(asyncSource(chunks([7, 3, 5]), { batchSize: 4, shuffle: true, seed: 2 }));
  assert.deepEqual([...shuffled.rows].sort((a, b) => a - b), range(15));
  assert.notDeepEqual(shuffled.rows, range(15));
  assert.deepEqual([...shuffled.rows.slice(0, 7)].sort((a, b) => a - b), range(7), "rows stay within their chunk's span");
  assert.deepEqual((await epochRows(asyncSource(chunks([7, 3, 5]), { batchSize: 4, shuffle: true, seed: 2 }))).rows, shuffled.rows, "seeded");
  async function* tables(): AsyncGenerator<SourceChunk> {
    for (const start of [0, 3]) {
      yield new Table([
        { name: "a", type: "number", values: Float64Array.from(range(3).map((i) => start + i)) },
        { name: "b", type: "number", values: Float64Array.from(range(3).map((i) => 100 + start + i)) },
        { name: "y", type: "number", values: Float64Array.from(range(3).map((i) => 1000 + start + i)) },
      ]);
    }
  }
  assert.deepEqual((await epochRows(asyncSource(tables(), { batchSize: 4, features: ["a", "b"], target: "y" }))).rows, range(6));
  await assert.rejects(epochRows(asyncSource(tables(), { batchSize: 4 })), /Table chunks need the features and target options/);
});

test("prefetch overlaps a slow source with a slow consumer", async () => {
  const delay = 40;
  const n = 6;
  const time = async (prefetch: number): Promise<number> => {
    const start = performance.now();
    for await (const b of asyncSource(chunks(new Array<number>(n).fill(4), delay), { batchSize: 4, prefetch })) {
      assert.equal(b.x.shape[0], 4);
      await sleep(delay); // the consumer's "train step"
    }
    return performance.now() - start;
  };
  const serial = await time(0);
  const overlapped = await time(2);
  assert.ok(serial >= 2 * n * delay * 0.95, `without prefetch the waits add up: ${serial.toFixed(0)} ms`);
  assert.ok(overlapped < 0.75 * serial, `with prefetch ${overlapped.toFixed(0)} ms, without ${serial.toFixed(0)} ms`);
});

test("an in-memory DataLoader builds the next batches while the consumer awaits", async () => {
  const src = source(40);
  const before = liveTensors();
  const it = new DataLoader(src, { batchSize: 4, prefetch: 2 })[Symbol.asyncIterator]();
  const first = await it.next();
  assert.ok(!first.done);
  await sleep(20); // the consumer awaits (a train step, I/O): the loader's macrotasks run meanwhile
  assert.equal(liveTensors() - before, 3 * 3, "the current batch and 2 prefetched ones (x, y, mask each) exist");
  await it.return?.();
  assert.equal(liveTensors(), before);
});
