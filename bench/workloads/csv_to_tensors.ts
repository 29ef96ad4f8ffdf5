import { existsSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { streamFloat32Batches } from "../../src/data/ingest/index.js";
import { tensor } from "../../src/index.js";
import type { Config, Instance, WorkloadDef } from "./types.js";

/**
 * The numeric CSV both sides read: `rows` rows of `cols` columns with three decimals. Every value is
 * integer arithmetic on (row, column), so bench/torch_worker.py writes the byte-identical file when it
 * runs first; it lives in the temp folder and is written once.
 */
export function benchCsvPath(c: Config): string {
  const p = join(tmpdir(), `ingot-bench-csv-${c.rows}x${c.cols}.csv`);
  if (existsSync(p) && statSync(p).size > 0) return p;
  const lines = [Array.from({ length: c.cols }, (_, j) => `c${j}`).join(",")];
  for (let i = 0; i < c.rows; i++) {
    const row: string[] = [];
    for (let j = 0; j < c.cols; j++) {
      const v = (i * 7919 + j * 104729) % 100003;
      row.push(`${Math.floor(v / 1000)}.${String(v % 1000).padStart(3, "0")}`);
    }
    lines.push(row.join(","));
  }
  // written under a temporary name then renamed, so a reader never sees half a file
  const tmp = `${p}.${process.pid}.tmp`;
  writeFileSync(tmp, lines.join("\n") + "\n");
  renameSync(tmp, p);
  return p;
}

/** Parse a 1M-row numeric CSV into float32 tensors of `batch` rows (DuckDB streaming vs pandas.read_csv + torch.from_numpy). */
export const csvToTensors: WorkloadDef = {
  name: "csv_to_tensors",
  description: "data: a 1M-row × 8-column numeric CSV → float32 tensors of 1024 rows (DuckDB stream vs pandas.read_csv + torch.from_numpy)",
  target: 1.0,
  noCheck: "reads a file; both sides' parsing is covered by the ingest tests, not by comparing numbers",
  config: (tiny) => (tiny ? { rows: 5000, cols: 8, batch: 1024 } : { rows: 1_000_000, cols: 8, batch: 1024 }),
  flops: () => 0,
  create(c: Config): Instance {
    const path = benchCsvPath(c);
    return {
      config: c,
      model: null,
      inputs: {},
      step: async () => {
        let rows = 0;
        for await (const b of streamFloat32Batches(path, { batchSize: c.batch, header: true })) {
          const x = tensor(b.data, { shape: [b.rows, b.columns.length] });
          rows += x.shape[0];
          x.dispose();
        }
        if (rows !== c.rows) throw new Error(`csv_to_tensors: read ${rows} rows, expected ${c.rows}`);
        return 0;
      },
    };
  },
};
