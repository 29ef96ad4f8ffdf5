// Small numeric helpers shared by the profile, the cleaners and the samplers: the statistics are the ones
// pandas/numpy report (sample std with ddof=1 unless asked, linear-interpolated quantiles).
import { isMissing, type Column } from "./table.js";

/** The non-missing values of a number or date column, in row order. */
export function presentNumbers(c: Column): Float64Array {
  if (c.type !== "number" && c.type !== "date") throw new Error(`column "${c.name}" is ${c.type}, expected number or date`);
  let n = 0;
  for (const v of c.values) if (!Number.isNaN(v)) n++;
  const out = new Float64Array(n);
  let at = 0;
  for (const v of c.values) if (!Number.isNaN(v)) out[at++] = v;
  return out;
}

/** Arithmetic mean (NaN when empty). */
export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Standard deviation with `ddof` delta degrees of freedom (pandas: 1, numpy/scipy z-score: 0). */
export function std(xs: ArrayLike<number>, ddof = 1): number {
  if (xs.length - ddof <= 0) return NaN;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) ** 2;
  return Math.sqrt(s / (xs.length - ddof));
}

/** The q-quantile (q in [0, 1]) of ascending-sorted values by linear interpolation, as numpy's default. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** A stable key for a cell, so values of any type can be counted in a Map (missing → null). */
export function cellKey(c: Column, i: number): string | number | boolean | null {
  if (isMissing(c, i)) return null;
  return c.values[i] as string | number | boolean;
}

/** A printable form of a cell key of a column of type `c.type` (dates as ISO strings). */
export function keyLabel(c: Pick<Column, "type">, key: string | number | boolean | null): string {
  if (key === null) return "null";
  if (c.type === "date") return new Date(key as number).toISOString();
  return String(key);
}

/** Pearson correlation over the rows where both are present (NaN when fewer than 2 or a side is constant). */
export function pearson(a: Float64Array, b: Float64Array): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) continue;
    n++;
    sa += a[i];
    sb += b[i];
  }
  if (n < 2) return NaN;
  const ma = sa / n;
  const mb = sb / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) continue;
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return NaN;
  return sab / Math.sqrt(saa * sbb);
}
