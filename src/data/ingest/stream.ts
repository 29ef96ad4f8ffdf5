// Larger-than-memory reading: DuckDB hands over one ~2048-row chunk at a time, and only the current
// batch is kept, so memory stays bounded whatever the file size. A file whose decoded columns fit
// MATERIALIZE_BUDGET_BYTES is first read whole by DuckDB (in parallel); larger ones stream.
import type { DuckDBConnection, DuckDBDataChunk, DuckDBResult } from "@duckdb/node-api";
import type { ColumnType, Table } from "../table.js";
import { arrowTableBatches } from "./arrow-stream.js";
import { decodedBytesBound, MATERIALIZE_BUDGET_BYTES } from "./budget.js";
import { ColumnBuilder, connect, convertingQuery, sqlIdent, tableTypeOf } from "./duckdb.js";
import { IngestError } from "./errors.js";
import { releaseAfterRead } from "./native-memory.js";
import { formatOf, readerExpression, wrap, type ReadOptions } from "./read.js";
import { isDirectNumeric, numericColumn, scatterNumeric } from "./vectors.js";

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
  /**
   * Let DuckDB read the whole source before the first batch (parallel, faster) instead of streaming it:
   * "auto" (default) does so for a file whose decoded columns fit 160 MB; never for a SQL source.
   */
  materialize?: boolean | "auto";
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
  /** The DuckDB type of each result column, as numericColumn reads it. */
  duckTypes: string[];
  label: string;
}

/** How each column reaches JS: "table" as convertingQuery says, "float32" as numbers. */
type Shape = "table" | "float32";

async function open(source: StreamSource, o: StreamOptions, shape: Shape): Promise<Opened> {
  const label = typeof source === "string" ? source : "sql";
  const from = typeof source === "string" ? `SELECT * FROM ${readerExpression(source, o)}` : source.sql;
  const proj = o.select ? `SELECT ${o.select.map(sqlIdent).join(", ")} FROM (${from})` : from;
  const limit = o.limit !== undefined ? Math.max(0, Math.floor(o.limit)) : undefined;
  const query = limit !== undefined ? `${proj} LIMIT ${limit}` : proj;
  const conn = await connect();
  try {
    // preparing binds the query once (for a CSV: one run of DuckDB's sniffer) and tells the column types
    const prepared = await wrap(label, () => conn.prepare(query));
    const raw = Array.from({ length: prepared.columnCount }, (_, j) => ({ name: prepared.columnName(j), duckType: prepared.columnType(j).toString() }));
    const cols = raw.map(({ name, duckType }) => ({ name, type: tableTypeOf(duckType) }));
    if (shape === "float32") rejectText(label, cols);
    const materialize =
      o.materialize === "auto" || o.materialize === undefined
        ? typeof source === "string" && (await wrap(label, () => decodedBytesBound(conn, source, o.format ?? formatOf(source), cols.length, shape === "float32" ? 4 : 8, limit))) <= MATERIALIZE_BUDGET_BYTES
        : o.materialize;
    // all-numeric float32 reads run the prepared query as is: JS reads the machine numbers directly
    if (shape === "float32" && raw.every((c) => isDirectNumeric(c.duckType))) {
      const result = await wrap(label, () => (materialize ? prepared.run() : prepared.stream()));
      return { conn, result, cols, duckTypes: raw.map((c) => c.duckType), label };
    }
    const converted = shape === "float32" ? float32Query(query, cols) : convertingQuery(query, cols);
    const duckTypes = shape === "float32" ? cols.map(() => "FLOAT") : [];
    const result = await wrap(label, () => (materialize ? conn.run(converted) : conn.stream(converted)));
    return { conn, result, cols, duckTypes, label };
  } catch (e) {
    conn.closeSync();
    throw e;
  }
}

async function* chunks(s: Opened): AsyncGenerator<DuckDBDataChunk> {
  let rows = 0;
  try {
    for (;;) {
      const chunk = await wrap(s.label, () => s.result.fetchChunk());
      if (!chunk || chunk.rowCount === 0) return;
      rows += chunk.rowCount;
      yield chunk;
    }
  } finally {
    s.conn.closeSync();
    releaseAfterRead(rows);
  }
}

function checkBatchSize(o: StreamOptions): void {
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new Error(`streamBatches: batchSize must be a positive integer, got ${o.batchSize}`);
}

/** Arrow IPC is read by apache-arrow, not DuckDB (whose arrow extension is not installed). */
function isArrow(source: StreamSource, o: StreamOptions): source is string {
  return typeof source === "string" && (o.format ?? formatOf(source)) === "arrow";
}

/** A Table's number, date and boolean columns as one row-major float32 matrix. */
function tableToFloat32(label: string, t: Table): Float32Batch {
  rejectText(label, t.columns);
  const k = t.columns.length;
  const data = new Float32Array(t.numRows * k);
  t.columns.forEach((c, j) => {
    for (let i = 0, at = j; i < t.numRows; i++, at += k) {
      const v = c.values[i];
      data[at] = v === null ? NaN : Number(v);
    }
  });
  return { rows: t.numRows, columns: t.columnNames, data };
}

function rejectText(label: string, cols: readonly { name: string; type: ColumnType }[]): void {
  const bad = cols.filter((c) => c.type === "string");
  if (bad.length) throw new IngestError(label, null, `streamFloat32Batches: columns ${bad.map((c) => `"${c.name}"`).join(", ")} are text, not numbers (select numeric columns, or encode them first)`);
}

/** `query` with every column as FLOAT (dates as epoch ms, booleans as 0/1): DuckDB converts, JS copies. */
function float32Query(query: string, cols: readonly { name: string; type: ColumnType }[]): string {
  const exprs = cols.map(({ name, type }) => {
    const c = sqlIdent(name);
    return type === "date" ? `CAST(epoch_ms(CAST(${c} AS TIMESTAMP)) AS FLOAT) AS ${c}` : `CAST(${c} AS FLOAT) AS ${c}`;
  });
  return `SELECT ${exprs.join(", ")} FROM (${query})`;
}

/** Streams a file (or query) as Tables of `batchSize` rows with bounded memory. */
export async function* streamBatches(source: StreamSource, o: StreamOptions): AsyncGenerator<Table> {
  checkBatchSize(o);
  if (isArrow(source, o)) return yield* arrowTableBatches(source, o);
  const s = await open(source, o, "table");
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
  checkBatchSize(o);
  if (isArrow(source, o)) {
    for await (const t of arrowTableBatches(source, o)) yield tableToFloat32(source, t);
    return;
  }
  const s = await open(source, o, "float32");
  const names = s.cols.map((c) => c.name);
  const k = names.length;
  let data = new Float32Array(o.batchSize * k);
  let filled = 0;
  for await (const chunk of chunks(s)) {
    for (let from = 0; from < chunk.rowCount; ) {
      const to = Math.min(chunk.rowCount, from + o.batchSize - filled);
      for (let j = 0; j < k; j++) scatterNumeric(numericColumn(chunk, j, s.duckTypes[j]), from, to, data, filled * k + j, k);
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
