// Reading the same large file again and again (a training loop's epochs) must not grow the process by
// each read's DuckDB result: that memory is native and freed only when V8 collects its wrapper.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { streamFloat32Batches } from "../../../src/data/ingest/index.js";

test("repeated reads of a 1M-row CSV keep RSS flat (each result would add 64 MB)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ingot-native-memory-"));
  try {
    const rows = 1_000_000, cols = 8;
    const lines = [Array.from({ length: cols }, (_, j) => `c${j}`).join(",")];
    for (let i = 0; i < rows; i++) lines.push(Array.from({ length: cols }, (_, j) => ((i * 31 + j * 17) % 1000) / 10).join(","));
    const file = join(dir, "big.csv");
    writeFileSync(file, lines.join("\n") + "\n");
    const rss: number[] = [];
    for (let pass = 0; pass < 8; pass++) {
      let n = 0;
      for await (const b of streamFloat32Batches(file, { batchSize: 4096, header: true })) n += b.rows;
      assert.equal(n, rows);
      rss.push(process.memoryUsage().rss / 2 ** 20);
    }
    // from the third pass on (allocator and DuckDB caches warm), 5 more results held would be ~320 MB
    const growth = rss[7] - rss[2];
    assert.ok(growth < 120, `RSS grew ${growth.toFixed(0)} MB over 5 reads: ${rss.map((r) => r.toFixed(0)).join(", ")}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
