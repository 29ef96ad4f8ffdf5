// `ingot data ...`: list the offline catalog, preview or profile a dataset or file, run SQL over files.
import { existsSync, statSync } from "node:fs";
import type { Command } from "commander";
import { datasetPath, isDataset, listDatasets, loadDataset } from "../data/catalog.js";
import { readTable, sql, streamBatches } from "../data/ingest/index.js";
import { profileSource } from "../data/profile-source.js";
import { formatProfile, profileTable } from "../data/profile.js";
import { isMissing, type Table } from "../data/table.js";

/** Rows read by preview of a dataset too large to load whole (flights-3m) unless --limit says otherwise. */
const LARGE_DEFAULT_LIMIT = 200_000;

/** Files from this size up are profiled in DuckDB, in place, rather than loaded. */
const PROFILE_IN_PLACE_BYTES = 64 * 2 ** 20;

/** The file to profile in place (large catalog datasets, big files), or null to load the table. */
function inPlaceSource(nameOrFile: string): string | null {
  if (isDataset(nameOrFile)) return listDatasets().find((d) => d.name === nameOrFile)?.kind === "large" ? datasetPath(nameOrFile) : null;
  return existsSync(nameOrFile) && statSync(nameOrFile).size >= PROFILE_IN_PLACE_BYTES ? nameOrFile : null;
}

/** A catalog name or a file, as a Table; `limit` streams only the first rows. */
export async function loadNamed(nameOrFile: string, limit?: number): Promise<Table> {
  if (!isDataset(nameOrFile) && !existsSync(nameOrFile)) throw new Error(`"${nameOrFile}" is neither a catalog dataset (see: ingot data list) nor a file`);
  const large = isDataset(nameOrFile) && listDatasets().find((d) => d.name === nameOrFile)?.kind === "large";
  if (limit !== undefined || large) {
    const source = isDataset(nameOrFile) ? datasetPath(nameOrFile) : nameOrFile;
    const n = limit ?? LARGE_DEFAULT_LIMIT;
    for await (const b of streamBatches(source, { batchSize: Math.max(1, n), limit: n })) return b;
    return sql(`SELECT * FROM range(0) WHERE false`);
  }
  return isDataset(nameOrFile) ? loadDataset(nameOrFile) : readTable(nameOrFile);
}

function cell(t: Table, col: number, row: number): string {
  const c = t.columns[col];
  if (isMissing(c, row)) return "∅";
  const v = c.values[row];
  if (c.type === "date") return new Date(v as number).toISOString().replace("T00:00:00.000Z", "");
  // 5.006, not 5.005999999999999: six significant digits are plenty for a glance
  if (typeof v === "number" && !Number.isInteger(v)) return String(Number(v.toPrecision(6)));
  const s = String(v).replace(/\s+/g, " ");
  return s.length > 40 ? s.slice(0, 39) + "…" : s;
}

/** The first `rows` rows as an aligned text table. */
export function formatTable(t: Table, rows: number): string {
  const n = Math.min(rows, t.numRows);
  const grid = [t.columns.map((c) => `${c.name} (${c.type})`), ...Array.from({ length: n }, (_, i) => t.columns.map((_, j) => cell(t, j, i)))];
  const widths = t.columns.map((_, j) => Math.max(...grid.map((r) => r[j].length)));
  const line = (r: string[]): string => r.map((s, j) => s.padEnd(widths[j])).join("  ").trimEnd();
  const out = [line(grid[0]), widths.map((w) => "─".repeat(w)).join("  "), ...grid.slice(1).map(line)];
  if (t.numRows > n) out.push(`… ${t.numRows - n} more rows`);
  return out.join("\n");
}

function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got "${v}"`);
  return n;
}

/** Registers `ingot data list|preview|sql|profile`. */
export function registerData(program: Command): void {
  const data = program.command("data").description("datasets: the offline catalog, files, SQL and profiles");

  data
    .command("list")
    .description("list the offline catalog")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      const all = listDatasets();
      if (opts.json) return void console.log(JSON.stringify(all));
      const w = Math.max(...all.map((d) => d.name.length));
      for (const d of all) console.log(`${d.name.padEnd(w)}  ${d.kind.padEnd(11)} ${String(d.rows).padStart(9)} rows  ${String(d.columns.length).padStart(2)} cols  ${d.description}`);
    });

  data
    .command("preview <nameOrFile>")
    .description("show the first rows of a catalog dataset or a file (CSV, TSV, JSON, JSONL, Parquet)")
    .option("--rows <n>", "rows to show", "10")
    .action(async (name: string, opts: { rows: string }) => {
      const rows = positiveInt(opts.rows, "--rows");
      const t = await loadNamed(name, isDataset(name) && listDatasets().find((d) => d.name === name)?.kind !== "large" ? undefined : rows);
      console.log(formatTable(t, rows));
    });

  data
    .command("sql <query>")
    .description("run a DuckDB SQL query; files can be named directly: SELECT * FROM 'data.csv'")
    .option("--table <name=source...>", "register a file or catalog dataset under a name")
    .option("--rows <n>", "rows to show", "20")
    .option("--json", "print the rows as JSON")
    .action(async (query: string, opts: { table?: string[]; rows: string; json?: boolean }) => {
      const rows = positiveInt(opts.rows, "--rows");
      const tables: Record<string, string | Table> = {};
      for (const spec of opts.table ?? []) {
        const at = spec.indexOf("=");
        if (at < 1) throw new Error(`--table expects name=source, got "${spec}"`);
        const src = spec.slice(at + 1);
        tables[spec.slice(0, at)] = isDataset(src) ? await loadNamed(src) : src;
      }
      const t = await sql(query, { tables });
      if (opts.json) console.log(JSON.stringify(Array.from({ length: Math.min(rows, t.numRows) }, (_, i) => t.row(i))));
      else console.log(formatTable(t, rows));
    });

  data
    .command("profile <nameOrFile>")
    .description("profile a dataset: types, missing, distinct, statistics, histograms, warnings")
    .option("--target <column>", "the label column (adds class balance and leakage checks)")
    .option("--limit <n>", "profile only the first n rows (default: all; large files are profiled in DuckDB without loading them)")
    .option("--json", "print JSON")
    .action(async (name: string, opts: { target?: string; limit?: string; json?: boolean }) => {
      const limit = opts.limit !== undefined ? positiveInt(opts.limit, "--limit") : undefined;
      const target = opts.target ?? listDatasets().find((d) => d.name === name)?.target;
      const inPlace = limit === undefined ? inPlaceSource(name) : null;
      let profile;
      if (inPlace) profile = await profileSource(inPlace, target ? { target } : {});
      else {
        const t = await loadNamed(name, limit);
        profile = profileTable(t, target && t.has(target) ? { target } : {});
      }
      console.log(opts.json ? JSON.stringify(profile) : formatProfile(profile));
    });
}
