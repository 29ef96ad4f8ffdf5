import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { streamBatches, streamFloat32Batches } from "../../../src/data/ingest/index.js";

const root = resolve(import.meta.dirname, "../../..");

test("streamBatches cuts a file into batches of batchSize rows, in order, across DuckDB chunks", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ingot-stream-"));
  const p = join(dir, "n.csv");
  writeFileSync(p, "i,sq,tag\n" + Array.from({ length: 5000 }, (_, i) => `${i},${i * i},t${i % 3}`).join("\n") + "\n");
  const sizes: number[] = [];
  const seen: number[] = [];
  for await (const b of streamBatches(p, { batchSize: 1500 })) {
    sizes.push(b.numRows);
    seen.push(...(b.column("i").values as Float64Array));
    assert.equal(b.column("tag").values[0], `t${(b.column("i").values[0] as number) % 3}`);
  }
  assert.deepEqual(sizes, [1500, 1500, 1500, 500]);
  assert.deepEqual(seen, Array.from({ length: 5000 }, (_, i) => i));

  const f32: number[][] = [];
  for await (const b of streamFloat32Batches(p, { batchSize: 2048, select: ["sq", "i"], limit: 2050 })) f32.push([b.rows, b.data.length, b.data[0], b.data[1], b.data[2 * 3], b.data[2 * 3 + 1]]);
  // row-major [sq, i]: row 3 of the first batch is (9, 3); the second batch holds rows 2048 and 2049
  assert.deepEqual(f32, [[2048, 4096, 0, 0, 9, 3], [2, 4, 2048 * 2048, 2048, undefined, undefined]]);
  await assert.rejects(async () => {
    for await (const _ of streamFloat32Batches(p, { batchSize: 10 })) break;
  }, /"tag" .*text/);
  await assert.rejects(async () => {
    for await (const _ of streamBatches(p, { batchSize: 0 })) break;
  }, /batchSize must be a positive integer, got 0/);
});

test("examples/flights-stream.ts streams 200k rows of flights-3m under the memory bound", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "examples/flights-stream.ts", "--limit", "200000"], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const m = /rows=(\d+) .*rows\/s=(\d+) .*peakRssMiB=(\d+)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.equal(Number(m[1]), 200000);
  assert.ok(Number(m[2]) > 0);
  assert.ok(Number(m[3]) <= 1024, `peak RSS ${m[3]} MiB`);
});
