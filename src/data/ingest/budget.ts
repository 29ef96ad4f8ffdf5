// Whether a read may let DuckDB run the whole query before handing over rows. DuckDB parses a CSV on
// every core when the result is materialized, but its streaming result runs serially (about twice as
// slow on 2 cores); materializing costs the decoded result in DuckDB's memory, so it is done only when
// that fits a fixed budget, which keeps streaming bounded whatever the file size.
import { statSync } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import { sqlString } from "./duckdb.js";

/** Decoded bytes up to which a read is materialized (DuckDB's memory limit is 512 MB). */
export const MATERIALIZE_BUDGET_BYTES = 160 * 2 ** 20;

/**
 * An upper estimate of the decoded size of `columns` columns of `file`, `bytesPerValue` each, capped
 * by `limit` rows. Parquet says its row count; a text file holds at least 2 bytes per value ("1,").
 */
export async function decodedBytesBound(conn: DuckDBConnection, file: string, format: string, columns: number, bytesPerValue: number, limit?: number): Promise<number> {
  let rows: number;
  if (format === "parquet") {
    const r = await conn.runAndReadAll(`SELECT sum(num_rows) AS n FROM parquet_file_metadata(${sqlString(file)})`);
    rows = Number(r.getRowObjectsJS()[0]?.n ?? Infinity);
  } else rows = Math.ceil(statSync(file).size / 2 / Math.max(1, columns));
  if (limit !== undefined) rows = Math.min(rows, limit);
  return rows * columns * bytesPerValue;
}
