// readTable: CSV/TSV, JSON/JSONL and Parquet through DuckDB, Arrow IPC through apache-arrow, into a Table. CSV rows that fail to parse
// (ragged, or a value that does not fit an overridden type) are counted and written to a quarantine
// file — never silently dropped.
import { existsSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, extname, join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { ColumnType, Table } from "../table.js";
import { connect, queryToTable, sqlIdent, sqlString, describe } from "./duckdb.js";
import { IngestError } from "./errors.js";
import { precheckTextFile } from "./precheck.js";
import { readArrow } from "./arrow.js";

/** File formats readTable understands. */
export type FileFormat = "csv" | "tsv" | "json" | "jsonl" | "parquet" | "arrow";

/** Options of readTable / ingest. */
export interface ReadOptions {
  /** The format; by default from the extension (.csv .tsv .txt .json .jsonl .ndjson .parquet .arrow .feather .ipc). */
  format?: FileFormat;
  /** CSV field delimiter (default: sniffed; tab for .tsv). */
  delimiter?: string;
  /** CSV quote character (default: sniffed, usually `"`). */
  quote?: string;
  /** Whether the first CSV line is a header (default: sniffed). */
  header?: boolean;
  /** Text encoding of a CSV file: "utf-8" (default), "utf-16" or "latin-1". */
  encoding?: "utf-8" | "utf-16" | "latin-1";
  /** Column types to force instead of inferring (the other columns are still inferred). */
  columns?: Record<string, ColumnType>;
  /** Bad CSV rows: written to the quarantine file (default) or a thrown IngestError. */
  badRows?: "quarantine" | "error";
  /** Where quarantined rows go (JSONL: line, raw, reason); default `<file>.quarantine.jsonl`. */
  quarantinePath?: string;
  /** Longest CSV line accepted, in bytes (default 2 MiB); longer is an IngestError. */
  maxLineBytes?: number;
}

/** One quarantined row. */
export interface RejectedRow {
  line: number;
  raw: string;
  reason: string;
}

/** A table with an account of what was left out of it. */
export interface IngestResult {
  table: Table;
  /** Rows that failed to parse (also written to `quarantinePath`). */
  rejected: RejectedRow[];
  /** The quarantine file, when rows were rejected. */
  quarantinePath: string | null;
}

const DUCK_TYPE: Record<ColumnType, string> = { number: "DOUBLE", string: "VARCHAR", boolean: "BOOLEAN", date: "TIMESTAMP" };
const DEFAULT_MAX_LINE = 2 << 20;

/** The format a path's extension implies. */
export function formatOf(file: string): FileFormat {
  const ext = extname(file).toLowerCase();
  if (ext === ".csv" || ext === ".txt") return "csv";
  if (ext === ".tsv" || ext === ".tab") return "tsv";
  if (ext === ".json") return "json";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  if (ext === ".parquet") return "parquet";
  if (ext === ".arrow" || ext === ".feather" || ext === ".ipc") return "arrow";
  throw new IngestError(file, null, `unknown file type "${ext}" (expected .csv, .tsv, .json, .jsonl, .parquet, .arrow, .feather, .ipc, or pass format)`);
}

/** The DuckDB table function that reads `file` (used by readTable, sql views and streaming). */
export function readerExpression(file: string, o: ReadOptions = {}, rejectsTable?: string): string {
  const format = o.format ?? formatOf(file);
  const p = sqlString(file);
  // DuckDB's arrow extension cannot be installed offline: callers read Arrow through readArrow instead
  if (format === "arrow") throw new IngestError(file, null, "Arrow IPC files cannot be scanned by DuckDB here (its arrow extension is not installed); read them with readTable or pass them to sql() as a table");
  if (format === "parquet") return `read_parquet(${p})`;
  if (format === "json") return `read_json_auto(${p})`;
  if (format === "jsonl") return `read_json(${p}, format='newline_delimited')`;
  const maxLine = (o.maxLineBytes ?? DEFAULT_MAX_LINE) + 16;
  const args = [p, `max_line_size=${maxLine}`];
  // DuckDB's default buffer is 16 lines long: too much memory once long lines are allowed
  if (maxLine > DEFAULT_MAX_LINE + 16) args.push(`buffer_size=${2 * maxLine}`);
  const delim = o.delimiter ?? (format === "tsv" ? "\t" : undefined);
  if (delim !== undefined) args.push(`delim=${sqlString(delim)}`);
  if (o.quote !== undefined) args.push(`quote=${sqlString(o.quote)}`);
  if (o.header !== undefined) args.push(`header=${o.header}`);
  if (o.encoding !== undefined) args.push(`encoding=${sqlString(o.encoding)}`);
  if (o.columns) args.push(`types={${Object.entries(o.columns).map(([k, t]) => `${sqlString(k)}: ${sqlString(DUCK_TYPE[t])}`).join(", ")}}`);
  if (rejectsTable) args.push("store_rejects=true", `rejects_table=${sqlString(rejectsTable)}`, `rejects_scan=${sqlString(rejectsTable + "_scan")}`);
  return `read_csv(${args.join(", ")})`;
}

/** Reads a file into a Table; rejected CSV rows go to the quarantine file and are reported on stderr. */
export async function readTable(file: string, o: ReadOptions = {}): Promise<Table> {
  const r = await ingest(file, o);
  if (r.rejected.length && !process.env.INGOT_QUIET) process.stderr.write(`ingot: ${file}: ${r.rejected.length} row(s) failed to parse, written to ${r.quarantinePath}\n`);
  return r.table;
}

/** Reads a file into a Table and returns the rows left out with their reasons. */
export async function ingest(file: string, o: ReadOptions = {}): Promise<IngestResult> {
  if (!existsSync(file)) throw new IngestError(file, null, "no such file");
  if (statSync(file).isDirectory()) throw new IngestError(file, null, "is a directory (use readTextFolder for folders of text files)");
  const format = o.format ?? formatOf(file);
  if (format === "arrow") return { table: await readArrow(file), rejected: [], quarantinePath: null };
  const textual = format !== "parquet";
  const pre = textual ? precheckTextFile(file, { utf8: (o.encoding ?? "utf-8") === "utf-8", maxLineBytes: o.maxLineBytes ?? DEFAULT_MAX_LINE }) : null;
  const csv = format === "csv" || format === "tsv";
  const conn = await connect();
  try {
    // rejects are always stored: without them DuckDB's sniffer may skip a ragged region silently
    const rejectsTable = csv ? "ingot_rejects" : undefined;
    const source = `SELECT * FROM ${readerExpression(file, o, rejectsTable)}`;
    const cols = await wrap(file, () => describe(conn, source));
    if (csv && pre && cols.length === 1) checkDelimiter(file, pre.firstLine, o.delimiter ?? (format === "tsv" ? "\t" : undefined));
    const table = await wrap(file, () => queryToTable(conn, source));
    const rejected = rejectsTable ? await readRejects(conn, rejectsTable) : [];
    if (rejected.length && o.badRows === "error") throw new IngestError(file, rejected[0].line, `${rejected[0].reason} (${rejected.length} bad row(s) in all)`);
    const quarantinePath = rejected.length ? writeQuarantine(file, rejected, o.quarantinePath) : null;
    return { table, rejected, quarantinePath };
  } finally {
    conn.closeSync();
  }
}

const DELIMS: [string, string][] = [[",", "comma"], [";", "semicolon"], ["\t", "tab"], ["|", "pipe"]];

/** One column while the header holds another delimiter: almost always the wrong delimiter. */
function checkDelimiter(file: string, header: string, given: string | undefined): void {
  for (const [d, name] of DELIMS) {
    if (d !== given && header.includes(d)) {
      throw new IngestError(file, 1, `parsed as a single column, but the header contains the ${name} "${d === "\t" ? "\\t" : d}" — wrong delimiter? (pass delimiter: ${JSON.stringify(d)})`);
    }
  }
}

async function readRejects(conn: DuckDBConnection, table: string): Promise<RejectedRow[]> {
  const r = await conn.runAndReadAll(`SELECT line, any_value(csv_line) AS raw, string_agg(error_type || ': ' || error_message, '; ') AS reason FROM ${sqlIdent(table)} GROUP BY line ORDER BY line`);
  return r.getRowObjectsJS().map((row) => ({ line: Number(row.line), raw: String(row.raw ?? ""), reason: String(row.reason) }));
}

function writeQuarantine(file: string, rows: RejectedRow[], path?: string): string {
  const text = rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
  const target = path ?? `${file}.quarantine.jsonl`;
  try {
    writeFileSync(target, text);
    return target;
  } catch (e) {
    if (path) throw e;
    // the data's folder may be read-only (node_modules): fall back to the temp folder
    const alt = join(tmpdir(), `${basename(file)}.${process.pid}.quarantine.jsonl`);
    writeFileSync(alt, text);
    return alt;
  }
}

/** Runs a DuckDB call, turning its errors into an IngestError naming the file and, when DuckDB says, the line. */
export async function wrap<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof IngestError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    const m = /[Ll]ine:? (\d+)/.exec(msg);
    // DuckDB's CSV errors are long (they list every sniffer option); the first lines carry the problem
    const short = msg.split("\n").filter((l) => l.trim()).slice(0, 3).join(" ");
    throw new IngestError(file, m ? Number(m[1]) : null, short);
  }
}
