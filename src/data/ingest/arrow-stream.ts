// The streaming path for Arrow IPC files: apache-arrow reads one record batch at a time, and the
// batches are re-cut to the caller's batch size, so memory stays at about one record batch plus one batch.
import { Table, type Column } from "../table.js";
import { readArrowBatches } from "./arrow.js";
import { IngestError } from "./errors.js";

/** What the Arrow stream honours of StreamOptions. */
export interface ArrowStreamOptions {
  batchSize: number;
  select?: readonly string[];
  limit?: number;
}

/** Rows [from, to) of a table. */
function rows(t: Table, from: number, to: number): Table {
  return t.take(Array.from({ length: to - from }, (_, i) => from + i));
}

/** Tables with the same columns, one after another. */
function concat(parts: readonly Table[]): Table {
  if (parts.length === 1) return parts[0];
  const n = parts.reduce((s, t) => s + t.numRows, 0);
  const columns: Column[] = parts[0].columns.map((c, j) => {
    if (c.type === "number" || c.type === "date") {
      const v = new Float64Array(n);
      let at = 0;
      for (const t of parts) {
        v.set(t.columns[j].values as Float64Array, at);
        at += t.numRows;
      }
      return { ...c, values: v };
    }
    const v = parts.flatMap((t) => t.columns[j].values as (string | boolean | null)[]);
    return { ...c, values: v } as Column;
  });
  return new Table(columns);
}

/** Streams an Arrow IPC file as Tables of `batchSize` rows (the last may be shorter). */
export async function* arrowTableBatches(file: string, o: ArrowStreamOptions): AsyncGenerator<Table> {
  const limit = o.limit ?? Infinity;
  let pending: Table[] = [];
  let pendingRows = 0;
  let seen = 0;
  for await (let t of readArrowBatches(file)) {
    if (seen >= limit) return;
    if (o.select) {
      const missing = o.select.filter((c) => !t.has(c));
      if (missing.length) throw new IngestError(file, null, `no column ${missing.map((c) => `"${c}"`).join(", ")} (columns: ${t.columnNames.join(", ")})`);
      t = t.select(o.select);
    }
    if (seen + t.numRows > limit) t = rows(t, 0, limit - seen);
    seen += t.numRows;
    pending.push(t);
    pendingRows += t.numRows;
    while (pendingRows >= o.batchSize) {
      const all = concat(pending);
      yield rows(all, 0, o.batchSize);
      pending = all.numRows > o.batchSize ? [rows(all, o.batchSize, all.numRows)] : [];
      pendingRows -= o.batchSize;
    }
  }
  if (pendingRows) yield concat(pending);
}
