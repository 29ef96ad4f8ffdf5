// One in-process DuckDB shared by every reader, and the conversion of a DuckDB result into a Table.
// Every query is wrapped so DuckDB does the type conversion (numbers → DOUBLE, times → epoch ms), which
// keeps the per-value loop in JS down to one typed read.
import type { DuckDBConnection, DuckDBDataChunk, DuckDBInstance, DuckDBResult } from "@duckdb/node-api";
import { Table, type Column, type ColumnType } from "../table.js";
import { releaseAfterRead } from "./native-memory.js";
import { copyNumeric, loadVectorBindings, numericColumn } from "./vectors.js";

let instance: Promise<DuckDBInstance> | null = null;

// DuckDB's native library loads on first use, so `import "ingot"` stays fast for programs without data files
const duckdb = (): Promise<typeof import("@duckdb/node-api")> => import("@duckdb/node-api");

/** The shared in-memory database (memory-limited so streaming stays bounded). */
function database(): Promise<DuckDBInstance> {
  instance ??= duckdb().then((d) => d.DuckDBInstance.create(":memory:", { memory_limit: "512MB" }));
  return instance;
}

/** A fresh connection: temporary tables (views, reject tables) stay private to one call. */
export async function connect(): Promise<DuckDBConnection> {
  const { DuckDBConnection } = await duckdb();
  await loadVectorBindings();
  return DuckDBConnection.create(await database());
}

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A SQL identifier. */
export function sqlIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

const NUMBER_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const DATE_TYPES = /^(DATE|TIMESTAMP.*)$/;

/** Which Table column type a DuckDB type becomes. */
export function tableTypeOf(duckType: string): ColumnType {
  if (NUMBER_TYPES.test(duckType)) return "number";
  if (DATE_TYPES.test(duckType)) return "date";
  if (duckType === "BOOLEAN") return "boolean";
  return "string";
}

/** Names and Table types of a query's columns (DuckDB plans it without running it). */
export async function describe(conn: DuckDBConnection, query: string): Promise<{ name: string; type: ColumnType }[]> {
  const r = await conn.runAndReadAll(`DESCRIBE ${query}`);
  return r.getRowObjectsJS().map((row) => ({ name: String(row.column_name), type: tableTypeOf(String(row.column_type)) }));
}

/** `query` wrapped so each column arrives as DOUBLE (numbers, dates as epoch ms), BOOLEAN or VARCHAR. */
export function convertingQuery(query: string, cols: readonly { name: string; type: ColumnType }[]): string {
  const exprs = cols.map(({ name, type }) => {
    const c = sqlIdent(name);
    if (type === "number") return `CAST(${c} AS DOUBLE) AS ${c}`;
    if (type === "date") return `CAST(epoch_ms(CAST(${c} AS TIMESTAMP)) AS DOUBLE) AS ${c}`;
    if (type === "boolean") return c;
    return `CAST(${c} AS VARCHAR) AS ${c}`;
  });
  return `SELECT ${exprs.join(", ")} FROM (${query})`;
}

/** Growable column buffers that chunks are appended to. */
export class ColumnBuilder {
  private nums: Float64Array[];
  private others: (string | boolean | null)[][];
  length = 0;

  constructor(
    readonly cols: readonly { name: string; type: ColumnType }[],
    private capacity = 2048,
  ) {
    this.nums = cols.map((c) => (c.type === "number" || c.type === "date" ? new Float64Array(capacity) : new Float64Array(0)));
    this.others = cols.map(() => []);
  }

  /** Appends rows [from, to) of a chunk. */
  append(chunk: DuckDBDataChunk, from = 0, to = chunk.rowCount): void {
    const n = to - from;
    if (this.length + n > this.capacity) this.grow(Math.max(this.capacity * 2, this.length + n));
    for (let j = 0; j < this.cols.length; j++) {
      const t = this.cols[j].type;
      // convertingQuery made numbers and dates DOUBLE: copied column-wise, not value by value
      if (t === "number" || t === "date") copyNumeric(numericColumn(chunk, j, "DOUBLE"), from, to, this.nums[j], this.length);
      else {
        const vec = chunk.getColumnVector(j);
        const out = this.others[j];
        for (let i = from; i < to; i++) out.push(vec.getItem(i) as string | boolean | null);
      }
    }
    this.length += n;
  }

  private grow(cap: number): void {
    this.nums = this.nums.map((a, j) => {
      const t = this.cols[j].type;
      if (t !== "number" && t !== "date") return a;
      const b = new Float64Array(cap);
      b.set(a.subarray(0, this.length));
      return b;
    });
    this.capacity = cap;
  }

  /** The rows so far as a Table. */
  build(): Table {
    const columns: Column[] = this.cols.map(({ name, type }, j) => {
      if (type === "number" || type === "date") return { name, type, values: this.nums[j].slice(0, this.length) };
      if (type === "boolean") return { name, type, values: this.others[j] as (boolean | null)[] };
      return { name, type, values: this.others[j] as (string | null)[] };
    });
    return new Table(columns);
  }
}

/**
 * Runs a query and collects every row into a Table. `materialize` lets DuckDB run the whole query first
 * (in parallel: about twice as fast on CSV as its streaming result, which runs serially) at the cost of
 * holding the result in DuckDB's memory too; leave it off when the result may be large.
 */
export async function queryToTable(conn: DuckDBConnection, query: string, materialize = false): Promise<Table> {
  const cols = await describe(conn, query);
  const converted = convertingQuery(query, cols);
  const result: DuckDBResult = materialize ? await conn.run(converted) : await conn.stream(converted);
  const b = new ColumnBuilder(cols);
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) b.append(chunk);
  const table = b.build();
  releaseAfterRead(table.numRows);
  return table;
}
