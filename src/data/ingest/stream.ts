// Larger-than-memory reading: DuckDB's streaming result hands over one ~2048-row chunk at a time, and
// only the current batch is kept, so memory stays bounded whatever the file size.
import type { DuckDBConnection, DuckDBDataChunk, DuckDBResult } from "@duckdb/node-api";
import type { ColumnType, Table } from "../table.js";
import { ColumnBuilder, connect, convertingQuery, describe, sqlIdent } from "./duckdb.js";
import { IngestError } from "./errors.js";
import { readerExpression, wrap, type ReadOptions } from "./read.js";

/** A file path, or a SQL query over files. */
export type StreamSource = string | { sql: string };

/** Options of streamBatches / streamFloat32Batches. */
export interface StreamOptions extends Pick<ReadOptions, "format" | "delimiter" | "quote" | "header" | "encoding" | "columns"> {
  /** Rows per batch (the last may be shorter). */
  batchSize: number;
  /** Only these columns, in this order (default: all). */
  select?: readonly string[];
  /** Stop after this many rows. */
  limit?: number;
}

/** A batch of numeric columns as one row-major float32 matrix, ready for `tensor(data, {shape: [rows, columns.length]})`. */
export interface Float32Batch {
  rows: number;
  columns: string[];
  /** rows × columns, row-major; missing values are NaN. */
  data: Float32Array;
}

interface Opened {
  conn: DuckDBConnection;
  result: DuckDBResult;
  cols: { name: string; type: ColumnType }[];
  label: string;
}

async function open(source: StreamSource, o: StreamOptions): Promise<Opened> {
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new Error(`streamBatches: batchSize must be a positive integer, got ${o.batchSize}`);
  const label = typeof source === "string" ? source : "sql";
  const from = typeof source === "string" ? `SELECT * FROM ${readerExpression(source, o)}` : source.sql;
  const proj = o.select ? `SELECT ${o.select.map(sqlIdent).join(", ")} FROM (${from})` : from;
  const query = o.limit !== undefined ? `${proj} LIMIT ${Math.max(0, Math.floor(o.limit))}` : proj;
  const conn = await connect();
  try {
    const cols = await wrap(label, () => describe(conn, query));
    const result = await wrap(label, () => conn.stream(convertingQuery(query, cols)));
    return { conn, result, cols, label };
  } catch (e) {
    conn.closeSync();
    throw e;
  }
}

async function* chunks(s: Opened): AsyncGenerator<DuckDBDataChunk> {
  try {
    for (;;) {
      const chunk = await wrap(s.label, () => s.result.fetchChunk());
      if (!chunk || chunk.rowCount === 0) return;
      yield chunk;
    }
  } finally {
    s.conn.closeSync();
  }
}

/** Streams a file (or query) as Tables of `batchSize` rows with bounded memory. */
export async function* streamBatches(source: StreamSource, o: StreamOptions): AsyncGenerator<Table> {
  const s = await open(source, o);
  let b = new ColumnBuilder(s.cols, o.batchSize);
  for await (const chunk of chunks(s)) {
    for (let from = 0; from < chunk.rowCount; ) {
      const to = Math.min(chunk.rowCount, from + o.batchSize - b.length);
      b.append(chunk, from, to);
      from = to;
      if (b.length === o.batchSize) {
        yield b.build();
        b = new ColumnBuilder(s.cols, o.batchSize);
      }
    }
  }
  if (b.length) yield b.build();
}

/** Streams numeric (number, date, boolean) columns as row-major float32 batches of `batchSize` rows. */
export async function* streamFloat32Batches(source: StreamSource, o: StreamOptions): AsyncGenerator<Float32Batch> {
  const s = await open(source, o);
  const bad = s.cols.filter((c) => c.type === "string");
  if (bad.length) {
    s.conn.closeSync();
    throw new IngestError(s.label, null, `streamFloat32Batches: columns ${bad.map((c) => `"${c.name}"`).join(", ")} are text, not numbers (select numeric columns, or encode them first)`);
  }
  const names = s.cols.map((c) => c.name);
  const k = names.length;
  let data = new Float32Array(o.batchSize * k);
  let filled = 0;
  for await (const chunk of chunks(s)) {
    for (let from = 0; from < chunk.rowCount; ) {
      const to = Math.min(chunk.rowCount, from + o.batchSize - filled);
      for (let j = 0; j < k; j++) {
        const vec = chunk.getColumnVector(j);
        for (let i = from, at = filled * k + j; i < to; i++, at += k) {
          const v = vec.getItem(i);
          data[at] = v === null ? NaN : Number(v);
        }
      }
      filled += to - from;
      from = to;
      if (filled === o.batchSize) {
        yield { rows: filled, columns: names, data };
        data = new Float32Array(o.batchSize * k);
        filled = 0;
      }
    }
  }
  if (filled) yield { rows: filled, columns: names, data: data.slice(0, filled * k) };
}
