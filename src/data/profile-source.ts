// The profile of a file too large to load, computed where the data is: every statistic is a DuckDB
// aggregate over a view of the file, so memory stays within DuckDB's limit whatever the row count, and
// the result is the TableProfile that profileTable gives for the same rows (numbers to rounding).
import { connect, sqlIdent, tableTypeOf } from "./ingest/duckdb.js";
import { readTable } from "./ingest/index.js";
import { keyLabel } from "./profile-stats.js";
import { formatOf, readerExpression, wrap, type ReadOptions } from "./ingest/read.js";
import type { StreamSource } from "./ingest/stream.js";
import {
  assembleProfile, checkProfileOptions, histogramEdges, profileTable, sortCounts,
  type ColumnProfile, type ProfileOptions, type TableProfile,
} from "./profile.js";
import type { ColumnType } from "./table.js";

/** Most frequent values fetched per column before the exact label sort (see topValues). */
const TIE_CAP = 1000;

interface Col {
  name: string;
  type: ColumnType;
  /** The column in the view. */
  id: string;
}

/**
 * Profiles a file (CSV, JSON, Parquet, ...) or a SQL query over files in DuckDB, without loading it:
 * `ingot data profile flights-3m` reads all 3M rows this way. Arrow IPC files, which DuckDB cannot scan
 * here, are read whole and profiled in memory.
 */
export async function profileSource(source: StreamSource, opts: ProfileOptions & Pick<ReadOptions, "format" | "delimiter" | "header"> = {}): Promise<TableProfile> {
  const fn = "profileSource";
  const { topK, bins } = checkProfileOptions(fn, opts);
  if (typeof source === "string" && (opts.format ?? formatOf(source)) === "arrow") return profileTable(await readTable(source), opts);
  const label = typeof source === "string" ? source : "sql";
  const from = typeof source === "string" ? `SELECT * FROM ${readerExpression(source, opts)}` : source.sql;
  const conn = await connect();
  try {
    const prepared = await wrap(label, () => conn.prepare(from));
    const cols: Col[] = Array.from({ length: prepared.columnCount }, (_, j) => ({
      name: prepared.columnName(j), type: tableTypeOf(prepared.columnType(j).toString()), id: `c${j}`,
    }));
    if (opts.target !== undefined && !cols.some((c) => c.name === opts.target)) {
      throw new Error(`${fn}: target "${opts.target}" is not a column (columns: ${cols.map((c) => c.name).join(", ")})`);
    }
    await wrap(label, () => conn.run(`CREATE TEMP VIEW src AS SELECT ${cols.map((c) => `${viewExpr(c)} AS ${c.id}`).join(", ")} FROM (${from})`));
    const q = (sql: string) => wrap(label, async () => (await conn.runAndReadAll(sql)).getRowsJS());
    const { numRows, columns } = await basicStats(q, cols);
    for (const [j, c] of cols.entries()) {
      const p = columns[j];
      p.top = await topValues(q, c, topK);
      if (p.summary) p.histogram = await histogram(q, c, p.summary.min, p.summary.max, bins);
    }
    const numbers = cols.filter((c) => c.type === "number");
    const correlations: TableProfile["correlations"] = [];
    const pairs: [Col, Col][] = [];
    for (let i = 0; i < numbers.length; i++) for (let j = i + 1; j < numbers.length; j++) pairs.push([numbers[i], numbers[j]]);
    if (pairs.length) {
      const [row] = await q(`SELECT ${pairs.map(([a, b]) => `corr(${a.id}, ${b.id})`).join(", ")} FROM src`);
      pairs.forEach(([a, b], k) => {
        const r = row[k] === null ? NaN : Number(row[k]);
        if (!Number.isNaN(r)) correlations.push({ a: a.name, b: b.name, r });
      });
    }
    let target: TableProfile["target"] = null;
    const determining: string[] = [];
    if (opts.target !== undefined) {
      const t = cols.find((c) => c.name === opts.target) as Col;
      const balance = await valueCounts(q, t, `SELECT ${t.id} AS v, count(*) AS n FROM src WHERE ${t.id} IS NOT NULL GROUP BY ${t.id}`);
      const total = balance.reduce((s, b) => s + b.count, 0);
      target = { column: t.name, balance: balance.map((b) => ({ ...b, fraction: total === 0 ? 0 : b.count / total })) };
      for (const c of cols) if (c !== t && (await determinesTarget(q, c, t))) determining.push(c.name);
    }
    return assembleProfile({ numRows, columns, correlations, target, determining }, opts);
  } finally {
    conn.closeSync();
  }
}

type Query = (sql: string) => Promise<unknown[][]>;

/** The view's form of a column: numbers as DOUBLE with NaN as missing, dates as epoch ms, text as text (convertingQuery's types). */
function viewExpr(c: Col): string {
  const x = sqlIdent(c.name);
  if (c.type === "number") return `CASE WHEN isnan(CAST(${x} AS DOUBLE)) THEN NULL ELSE CAST(${x} AS DOUBLE) END`;
  if (c.type === "date") return `CAST(epoch_ms(CAST(${x} AS TIMESTAMP)) AS DOUBLE)`;
  if (c.type === "boolean") return x;
  return `CAST(${x} AS VARCHAR)`;
}

const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));

/** Counts, distinct counts, and for number and date columns mean, std (ddof 1), min, quartiles, max: one scan. */
async function basicStats(q: Query, cols: Col[]): Promise<{ numRows: number; columns: ColumnProfile[] }> {
  const exprs = ["count(*)"];
  for (const c of cols) {
    exprs.push(`count(${c.id})`, `count(DISTINCT ${c.id})`);
    if (c.type === "number" || c.type === "date") {
      exprs.push(`avg(${c.id})`, `stddev_samp(${c.id})`, `min(${c.id})`, `max(${c.id})`, `quantile_cont(${c.id}, [0.25, 0.5, 0.75])`);
    }
  }
  const [row] = await q(`SELECT ${exprs.join(", ")} FROM src`);
  const numRows = num(row[0]);
  let at = 1;
  const columns = cols.map((c): ColumnProfile => {
    const count = num(row[at++]);
    const distinct = num(row[at++]);
    let summary: ColumnProfile["summary"] = null;
    if (c.type === "number" || c.type === "date") {
      const [mean, std, min, max, quartiles] = row.slice(at, at + 5);
      at += 5;
      if (count > 0) {
        const [q25, q50, q75] = (quartiles as unknown[]).map(num);
        summary = { mean: num(mean), std: num(std), min: num(min), q25, q50, q75, max: num(max) };
      }
    }
    const missing = numRows - count;
    return { name: c.name, type: c.type, count, missing, missingPct: numRows === 0 ? 0 : (100 * missing) / numRows, distinct, summary, top: [], histogram: null };
  });
  return { numRows, columns };
}

/** A GROUP BY's (v, n) rows as profile entries, in profileTable's order. */
async function valueCounts(q: Query, c: Col, sql: string): Promise<{ value: string; count: number }[]> {
  return sortCounts((await q(sql)).map(([v, n]) => ({ value: keyLabel(c, v as string | number | boolean), count: num(n) })));
}

/**
 * The topK most frequent values, ties broken by label as profileTable does. SQL orders ties by the
 * closest it has to the label (dates by time, which ISO strings follow; numbers by their text form);
 * the first TIE_CAP rows are then sorted by the exact label, so the order is deterministic either way.
 */
async function topValues(q: Query, c: Col, topK: number): Promise<{ value: string; count: number }[]> {
  const byLabel = c.type === "number" ? `CAST(v AS VARCHAR)` : "v";
  const sql = `SELECT v, n FROM (SELECT ${c.id} AS v, count(*) AS n FROM src WHERE ${c.id} IS NOT NULL GROUP BY ${c.id})
    ORDER BY n DESC, ${byLabel} LIMIT ${Math.max(topK, TIE_CAP)}`;
  return (await valueCounts(q, c, sql)).slice(0, topK);
}

/** histogramOf's bins in SQL: the same edges, the same floor, the same one-step correction at the edges. */
async function histogram(q: Query, c: Col, min: number, max: number, bins: number): Promise<{ edges: number[]; counts: number[] }> {
  const edges = histogramEdges(min, max, bins);
  const lit = (x: number) => `CAST('${x}' AS DOUBLE)`; // text round-trips a double exactly; a decimal literal need not
  const lo = lit(edges[0]);
  const hi = lit(edges[bins]);
  const list = `[${edges.map(lit).join(", ")}]`; // 1-based: edge b is list[b + 1]
  const raw = `LEAST(${bins - 1}, CAST(floor(((${c.id} - ${lo}) / (${hi} - ${lo})) * ${bins}) AS INTEGER))`;
  const sql = `WITH r AS (SELECT ${c.id} AS x, ${raw} AS b FROM src WHERE ${c.id} IS NOT NULL),
    e AS (SELECT CASE WHEN b > 0 AND x < ${list}[b + 1] THEN b - 1 WHEN b < ${bins - 1} AND x >= ${list}[b + 2] THEN b + 1 ELSE b END AS b FROM r)
    SELECT b, count(*) FROM e GROUP BY b`;
  const counts = new Array<number>(bins).fill(0);
  for (const [b, n] of await q(sql)) counts[num(b)] = num(n);
  return { edges, counts };
}

/** determinesTarget in SQL: no value of c meets two classes, values repeat, and at least two classes occur. */
async function determinesTarget(q: Query, c: Col, t: Col): Promise<boolean> {
  const both = `${c.id} IS NOT NULL AND ${t.id} IS NOT NULL`;
  const [[rows, keys, classes, conflicts]] = await q(`SELECT count(*), count(DISTINCT ${c.id}), count(DISTINCT ${t.id}),
    (SELECT count(*) FROM (SELECT ${c.id} FROM src WHERE ${both} GROUP BY ${c.id} HAVING count(DISTINCT ${t.id}) > 1)) FROM src WHERE ${both}`);
  return num(conflicts) === 0 && num(rows) >= 4 && num(classes) >= 2 && num(keys) <= num(rows) / 2;
}
