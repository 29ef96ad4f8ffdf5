// sql(): a query over files and in-memory Tables, each registered under a name as a DuckDB view.
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Table } from "../table.js";
import { connect, queryToTable, sqlIdent } from "./duckdb.js";
import { IngestError } from "./errors.js";
import { formatOf, readerExpression } from "./read.js";
import { readArrow } from "./arrow.js";

/** Options of sql(). */
export interface SqlOptions {
  /** Names the query can use: a file path (read by extension) or a Table. */
  tables?: Record<string, string | Table>;
}

/** Runs a DuckDB SQL query (filters, joins, aggregates) and returns the result as a Table. */
export async function sql(query: string, o: SqlOptions = {}): Promise<Table> {
  const conn = await connect();
  try {
    for (const [name, src] of Object.entries(o.tables ?? {})) {
      // Arrow files are read by apache-arrow and copied in, since DuckDB cannot scan them here
      if (typeof src === "string" && formatOf(src) === "arrow") await registerTable(conn, name, await readArrow(src));
      else if (typeof src === "string") await conn.run(`CREATE TEMP VIEW ${sqlIdent(name)} AS SELECT * FROM ${readerExpression(src)}`);
      else await registerTable(conn, name, src);
    }
    return await queryToTable(conn, query);
  } catch (e) {
    if (e instanceof IngestError) throw e;
    throw new Error(`sql: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  } finally {
    conn.closeSync();
  }
}

const DUCK: Record<string, string> = { number: "DOUBLE", date: "DOUBLE", string: "VARCHAR", boolean: "BOOLEAN" };

/** Copies a Table into a temp table; dates (epoch ms) come back as TIMESTAMP through a view. */
async function registerTable(conn: DuckDBConnection, name: string, t: Table): Promise<void> {
  const raw = `__ingot_${name}`;
  await conn.run(`CREATE TEMP TABLE ${sqlIdent(raw)} (${t.columns.map((c) => `${sqlIdent(c.name)} ${DUCK[c.type]}`).join(", ")})`);
  const app = await conn.createAppender(raw, "main", "temp");
  for (let i = 0; i < t.numRows; i++) {
    for (const c of t.columns) {
      const v = c.values[i];
      if (v === null || (typeof v === "number" && Number.isNaN(v))) app.appendNull();
      else if (typeof v === "number") app.appendDouble(v);
      else if (typeof v === "boolean") app.appendBoolean(v);
      else app.appendVarchar(v);
    }
    app.endRow();
  }
  app.closeSync();
  const cols = t.columns.map((c) => (c.type === "date" ? `make_timestamp(CAST(${sqlIdent(c.name)} * 1000 AS BIGINT)) AS ${sqlIdent(c.name)}` : sqlIdent(c.name)));
  await conn.run(`CREATE TEMP VIEW ${sqlIdent(name)} AS SELECT ${cols.join(", ")} FROM ${sqlIdent(raw)}`);
}
