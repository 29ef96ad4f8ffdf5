// A table's profile: per-column statistics, target balance and warnings (leakage, high correlation,
// constant columns, high missing rate), as plain JSON for `ingot data profile --json` and the dashboard,
// and as a terminal table. Statistics follow pandas' describe(): std with ddof=1, linear quantiles.
import { cellKey, keyLabel, mean, pearson, presentNumbers, quantileSorted, std } from "./profile-stats.js";
import { type Column, type ColumnType, type Table } from "./table.js";

/** Summary statistics of a number or date column (dates in epoch milliseconds). */
export interface NumericSummary {
  mean: number;
  std: number;
  min: number;
  q25: number;
  q50: number;
  q75: number;
  max: number;
}

/** Equal-width histogram: `edges` has one more entry than `counts`; the last bin includes its right edge (numpy). */
export interface Histogram {
  edges: number[];
  counts: number[];
}

/** One column's profile. */
export interface ColumnProfile {
  name: string;
  type: ColumnType;
  /** Non-missing values. */
  count: number;
  missing: number;
  /** Missing share in percent (0..100). */
  missingPct: number;
  /** Distinct non-missing values. */
  distinct: number;
  /** For number and date columns; null when every value is missing. */
  summary: NumericSummary | null;
  /** The most frequent non-missing values, most frequent first (ties by value label). */
  top: { value: string; count: number }[];
  /** For number and date columns with at least one value. */
  histogram: Histogram | null;
}

/** What a warning is about. */
export type ProfileWarningKind = "leakage" | "highCorrelation" | "constant" | "highMissing";

/** A problem the profile found, with the columns involved and a sentence for people. */
export interface ProfileWarning {
  kind: ProfileWarningKind;
  columns: string[];
  message: string;
}

/** A whole table's profile: plain data, JSON-able as is. */
export interface TableProfile {
  numRows: number;
  numColumns: number;
  columns: ColumnProfile[];
  /** Class counts of the target (when given), most frequent first. */
  target: { column: string; balance: { value: string; count: number; fraction: number }[] } | null;
  /** Pearson correlations between every pair of number columns (pairwise-complete rows); NaN pairs left out. */
  correlations: { a: string; b: string; r: number }[];
  warnings: ProfileWarning[];
}

/** Options of {@link profileTable}. */
export interface ProfileOptions {
  /** The label column: adds its class balance and leakage checks against it. */
  target?: string;
  /** How many top values per column. Default 5. */
  topK?: number;
  /** Histogram bins. Default 10. */
  bins?: number;
  /** |r| above which two number columns are flagged as highly correlated. Default 0.95. */
  correlationThreshold?: number;
  /** |r| with the target from which a number column is flagged as leakage. Default 0.999. */
  leakageCorrelation?: number;
  /** Missing share (0..1) above which a column is flagged. Default 0.5. */
  missingThreshold?: number;
}

/** Profiles `table`: per-column statistics, target balance and warnings. */
export function profileTable(table: Table, opts: ProfileOptions = {}): TableProfile {
  const fn = "profileTable";
  const { topK, bins } = checkProfileOptions(fn, opts);
  if (opts.target !== undefined && !table.has(opts.target)) throw new Error(`${fn}: target "${opts.target}" is not a column (columns: ${table.columnNames.join(", ")})`);
  const columns = table.columns.map((c) => profileColumn(c, topK, bins));
  const numeric = table.columns.filter((c) => c.type === "number");
  const correlations: TableProfile["correlations"] = [];
  for (let i = 0; i < numeric.length; i++) {
    for (let j = i + 1; j < numeric.length; j++) {
      const r = pearson(numeric[i].values as Float64Array, numeric[j].values as Float64Array);
      if (!Number.isNaN(r)) correlations.push({ a: numeric[i].name, b: numeric[j].name, r });
    }
  }
  let target: TableProfile["target"] = null;
  const determining: string[] = [];
  if (opts.target !== undefined) {
    const t = table.column(opts.target);
    target = { column: t.name, balance: balanceOf(t) };
    for (const c of table.columns) if (c !== t && determinesTarget(c, t)) determining.push(c.name);
  }
  return assembleProfile({ numRows: table.numRows, columns, correlations, target, determining }, opts);
}

/** Checks the options both profilers share; returns topK and bins with their defaults. */
export function checkProfileOptions(fn: string, opts: ProfileOptions): { topK: number; bins: number } {
  return { topK: checkPositiveInt(fn, "topK", opts.topK ?? 5), bins: checkPositiveInt(fn, "bins", opts.bins ?? 10) };
}

/** A profile's measured parts, before warnings: what profileTable computes in JS and profileSource in SQL. */
export interface ProfileParts {
  numRows: number;
  columns: ColumnProfile[];
  correlations: TableProfile["correlations"];
  target: TableProfile["target"];
  /** Columns each of whose values maps to a single target class (see determinesTarget). */
  determining: string[];
}

/** The profile with its warnings, in one order whichever profiler measured the parts. */
export function assembleProfile(parts: ProfileParts, opts: ProfileOptions): TableProfile {
  const corrThreshold = opts.correlationThreshold ?? 0.95;
  const leakCorr = opts.leakageCorrelation ?? 0.999;
  const missingThreshold = opts.missingThreshold ?? 0.5;
  const { numRows, columns, correlations, target } = parts;
  const warnings: ProfileWarning[] = [];
  for (const p of columns) {
    if (p.count > 0 && p.distinct === 1) warnings.push({ kind: "constant", columns: [p.name], message: `column "${p.name}" has a single value (${p.top[0].value})` });
    if (p.count === 0) warnings.push({ kind: "constant", columns: [p.name], message: `column "${p.name}" has no values at all` });
    if (numRows > 0 && p.missing / numRows > missingThreshold) {
      warnings.push({ kind: "highMissing", columns: [p.name], message: `column "${p.name}" is ${fmt(p.missingPct)}% missing` });
    }
  }
  for (const { a, b, r } of correlations) {
    const involvesTarget = a === opts.target || b === opts.target;
    if (involvesTarget && Math.abs(r) >= leakCorr) {
      const other = a === opts.target ? b : a;
      warnings.push({ kind: "leakage", columns: [other, opts.target as string], message: `column "${other}" is almost perfectly correlated with the target (r=${fmt(r)}): likely leakage` });
    } else if (!involvesTarget && Math.abs(r) > corrThreshold) {
      warnings.push({ kind: "highCorrelation", columns: [a, b], message: `columns "${a}" and "${b}" are highly correlated (r=${fmt(r)})` });
    }
  }
  if (target) {
    const flagged = new Set(warnings.filter((w) => w.kind === "leakage").map((w) => w.columns[0]));
    for (const name of parts.determining) {
      if (flagged.has(name)) continue;
      warnings.push({ kind: "leakage", columns: [name, target.column], message: `column "${name}" determines the target exactly (each of its values maps to one class): likely leakage` });
    }
  }
  return { numRows, numColumns: columns.length, columns, target, correlations, warnings };
}

function checkPositiveInt(fn: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${fn}: ${name} must be a positive integer, got ${v}`);
  return v;
}

function valueCounts(c: Column): Map<string | number | boolean, number> {
  const counts = new Map<string | number | boolean, number>();
  for (let i = 0; i < c.values.length; i++) {
    const k = cellKey(c, i);
    if (k !== null) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

function sortedCounts(c: Column, counts: Map<string | number | boolean, number>): { value: string; count: number }[] {
  return sortCounts([...counts.entries()].map(([k, count]) => ({ value: keyLabel(c, k), count })));
}

function profileColumn(c: Column, topK: number, bins: number): ColumnProfile {
  const n = c.values.length;
  const counts = valueCounts(c);
  let count = 0;
  for (const v of counts.values()) count += v;
  const missing = n - count;
  let summary: NumericSummary | null = null;
  let histogram: Histogram | null = null;
  if ((c.type === "number" || c.type === "date") && count > 0) {
    const xs = presentNumbers(c).sort();
    summary = { mean: mean(xs), std: std(xs, 1), min: xs[0], q25: quantileSorted(xs, 0.25), q50: quantileSorted(xs, 0.5), q75: quantileSorted(xs, 0.75), max: xs[xs.length - 1] };
    histogram = histogramOf(xs, bins);
  }
  return {
    name: c.name,
    type: c.type,
    count,
    missing,
    missingPct: n === 0 ? 0 : (100 * missing) / n,
    distinct: counts.size,
    summary,
    top: sortedCounts(c, counts).slice(0, topK),
    histogram,
  };
}

/** numpy.histogram(xs, bins): equal-width bins over [min, max] ([min - 0.5, max + 0.5] when constant). */
export function histogramOf(sortedValues: Float64Array, bins: number): Histogram {
  const edges = histogramEdges(sortedValues[0], sortedValues[sortedValues.length - 1], bins);
  const lo = edges[0];
  const hi = edges[bins];
  const counts = new Array<number>(bins).fill(0);
  for (const x of sortedValues) {
    let b = Math.floor(((x - lo) / (hi - lo)) * bins);
    if (b >= bins) b = bins - 1;
    // floating rounding can put a value one bin off its edges; the edges decide, as numpy does
    while (b > 0 && x < edges[b]) b--;
    while (b < bins - 1 && x >= edges[b + 1]) b++;
    counts[b]++;
  }
  return { edges, counts };
}

/** numpy.histogram's bin edges for values spanning [min, max]: bins + 1 equal steps, widened by 0.5 each way when min = max. */
export function histogramEdges(min: number, max: number, bins: number): number[] {
  const lo = min === max ? min - 0.5 : min;
  const hi = min === max ? max + 0.5 : max;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  edges[bins] = hi;
  return edges;
}

/** Value counts as profile entries: most frequent first, ties by label. */
export function sortCounts(entries: Iterable<{ value: string; count: number }>): { value: string; count: number }[] {
  return [...entries].sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0));
}

function balanceOf(t: Column): { value: string; count: number; fraction: number }[] {
  const counts = valueCounts(t);
  let total = 0;
  for (const v of counts.values()) total += v;
  return sortedCounts(t, counts).map((e) => ({ ...e, fraction: total === 0 ? 0 : e.count / total }));
}

/**
 * Whether each value of `c` maps to a single target value, with values repeating (at most half as many
 * distinct values as rows with both present), so that an ID column that is unique per row is not flagged.
 */
function determinesTarget(c: Column, t: Column): boolean {
  const seen = new Map<string | number | boolean, string | number | boolean>();
  let rows = 0;
  for (let i = 0; i < c.values.length; i++) {
    const k = cellKey(c, i);
    const y = cellKey(t, i);
    if (k === null || y === null) continue;
    rows++;
    const prev = seen.get(k);
    if (prev === undefined) seen.set(k, y);
    else if (prev !== y) return false;
  }
  const classes = new Set(seen.values()).size;
  return rows >= 4 && classes >= 2 && seen.size <= rows / 2;
}

/** A number in at most 4 significant digits, integers as they are. */
function fmt(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (Number.isInteger(x) && Math.abs(x) < 1e9) return String(x);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e9)) return x.toExponential(3);
  return String(Number(x.toPrecision(4)));
}

function fmtStat(c: ColumnProfile, v: number | undefined): string {
  if (v === undefined) return "";
  if (c.type === "date") return new Date(v).toISOString().slice(0, 10);
  return fmt(v);
}

/** Renders a profile as a terminal table (one row per column), then the target balance and the warnings. */
export function formatProfile(profile: TableProfile): string {
  const header = ["column", "type", "missing", "distinct", "mean", "std", "min", "median", "max", "top"];
  const rows = profile.columns.map((c) => {
    const s = c.summary;
    const top = c.top
      .slice(0, 3)
      .map((t) => `${t.value.length > 16 ? `${t.value.slice(0, 15)}…` : t.value} (${t.count})`)
      .join(", ");
    return [
      c.name,
      c.type,
      `${c.missing} (${fmt(c.missingPct)}%)`,
      String(c.distinct),
      s && c.type === "number" ? fmt(s.mean) : "",
      s && c.type === "number" ? fmt(s.std) : "",
      fmtStat(c, s?.min),
      fmtStat(c, s?.q50),
      fmtStat(c, s?.max),
      top,
    ];
  });
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]): string => cells.map((v, j) => v.padEnd(widths[j])).join("  ").trimEnd();
  const out = [`${profile.numRows} rows × ${profile.numColumns} columns`, line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
  if (profile.target) {
    out.push("", `target "${profile.target.column}":`);
    // a numeric target can have thousands of values: the terminal shows the most frequent (--json has all)
    for (const b of profile.target.balance.slice(0, 12)) out.push(`  ${b.value}: ${b.count} (${fmt(100 * b.fraction)}%)`);
    if (profile.target.balance.length > 12) out.push(`  … ${profile.target.balance.length - 12} more values`);
  }
  if (profile.warnings.length) {
    out.push("", "warnings:");
    for (const w of profile.warnings) out.push(`  [${w.kind}] ${w.message}`);
  }
  return out.join("\n");
}
