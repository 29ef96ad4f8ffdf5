// Class imbalance: random over/under-sampling (imbalanced-learn's defaults: every class brought to the
// majority / minority count), SMOTE, and balanced class weights (scikit-learn's compute_class_weight).
// Resample the training split only; the test split keeps the real class balance.
import { Generator } from "../tensor/index.js";
import { labelCodes } from "./split.js";
import { Table, type Column } from "./table.js";

/** A label column name of a Table, or one label per row. */
export type Labels = ArrayLike<string | number | boolean | null>;

/** Options of the samplers. */
export interface SamplerOptions {
  seed?: number;
}

function codesAndMembers(fn: string, labels: Column | Labels): { members: number[][] } {
  const codes = labelCodes(fn, labels);
  const members: number[][] = [];
  codes.forEach((c, i) => (members[c] ??= []).push(i));
  if (members.length === 0) throw new Error(`${fn}: no labels given`);
  return { members };
}

function draw(g: Generator, n: number, high: number): number[] {
  const u = g.uint32(n);
  return Array.from(u, (w) => Math.floor((w / 4294967296) * high));
}

/** Row indices that over-sample every class to the majority count: all rows, then random repeats (with replacement) of the smaller classes. */
export function randomOverSampleIndices(labels: Labels, opts: SamplerOptions = {}): Int32Array {
  const { members } = codesAndMembers("randomOverSample", labels);
  const target = Math.max(...members.map((m) => m.length));
  const g = new Generator(opts.seed ?? 0);
  const out: number[] = [];
  for (const m of members) {
    out.push(...m);
    for (const j of draw(g, target - m.length, m.length)) out.push(m[j]);
  }
  return Int32Array.from(out);
}

/** Row indices that under-sample every class to the minority count, drawn without replacement, in row order. */
export function randomUnderSampleIndices(labels: Labels, opts: SamplerOptions = {}): Int32Array {
  const { members } = codesAndMembers("randomUnderSample", labels);
  const target = Math.min(...members.map((m) => m.length));
  const g = new Generator(opts.seed ?? 0);
  const out: number[] = [];
  for (const m of members) {
    // partial Fisher–Yates: the first `target` of a random permutation
    const pool = [...m];
    const u = g.uint32(target);
    for (let i = 0; i < target; i++) {
      const j = i + Math.floor((u[i] / 4294967296) * (pool.length - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    out.push(...pool.slice(0, target));
  }
  return Int32Array.from(out.sort((a, b) => a - b));
}

/** `table` with every class of `target` over-sampled (random repeats) to the majority count. */
export function randomOverSample(table: Table, target: string, opts: SamplerOptions = {}): Table {
  return table.take(randomOverSampleIndices(table.column(target).values as Labels, opts));
}

/** `table` with every class of `target` under-sampled (random rows dropped) to the minority count. */
export function randomUnderSample(table: Table, target: string, opts: SamplerOptions = {}): Table {
  return table.take(randomUnderSampleIndices(table.column(target).values as Labels, opts));
}

/** Options of {@link smote}. */
export interface SmoteOptions extends SamplerOptions {
  /** Neighbours (within the same class) to interpolate towards. Default 5. */
  k?: number;
}

/** What {@link smoteArrays} returns: the original rows followed by the synthetic ones. */
export interface SmoteResult {
  /** Row-major features of the original rows followed by the synthetic ones, `numFeatures` per row. */
  x: Float64Array;
  /** Labels of every row of x (the original labels, then the class of each synthetic row). */
  y: (string | number | boolean)[];
  numFeatures: number;
  /** For each synthetic row: the minority sample it starts from and the neighbour it moves towards (row indices of the input). */
  origins: { from: number; to: number; gap: number }[];
}

/**
 * SMOTE (Chawla et al. 2002, as imbalanced-learn's default): every class smaller than the majority gets
 * synthetic rows until it matches it; each is x_i + u·(x_j − x_i) with x_i a random sample of the class,
 * x_j one of its k nearest neighbours (Euclidean) in the same class and u uniform in [0, 1). Seeded.
 */
export function smoteArrays(x: Float64Array | Float32Array, numFeatures: number, labels: Labels, opts: SmoteOptions = {}): SmoteResult {
  const fn = "smote";
  const n = labels.length;
  if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new Error(`${fn}: numFeatures must be a positive integer, got ${numFeatures}`);
  if (x.length !== n * numFeatures) throw new Error(`${fn}: x has ${x.length} values, expected ${n} rows × ${numFeatures} features = ${n * numFeatures}`);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) throw new Error(`${fn}: feature value at row ${Math.floor(i / numFeatures)} is ${x[i]}; impute missing values first`);
  const k = opts.k ?? 5;
  if (!Number.isInteger(k) || k < 1) throw new Error(`${fn}: k must be a positive integer, got ${k}`);
  const { members } = codesAndMembers(fn, labels);
  const majority = Math.max(...members.map((m) => m.length));
  const g = new Generator(opts.seed ?? 0);
  const extra: number[] = [];
  const y: (string | number | boolean)[] = Array.from({ length: n }, (_, i) => labels[i] as string | number | boolean);
  const origins: SmoteResult["origins"] = [];
  const d = numFeatures;
  for (const m of members) {
    const need = majority - m.length;
    if (need === 0) continue;
    if (m.length < 2) throw new Error(`${fn}: class ${String(labels[m[0]])} has a single sample; SMOTE needs at least 2 to interpolate`);
    const kk = Math.min(k, m.length - 1);
    const neighbours = m.map((i) => nearest(x, d, i, m, kk));
    const picks = g.uint32(2 * need);
    const gaps = g.uniform(need);
    for (let s = 0; s < need; s++) {
      const a = Math.floor((picks[2 * s] / 4294967296) * m.length);
      const b = neighbours[a][Math.floor((picks[2 * s + 1] / 4294967296) * kk)];
      const from = m[a];
      const u = gaps[s];
      for (let f = 0; f < d; f++) extra.push(x[from * d + f] + u * (x[b * d + f] - x[from * d + f]));
      y.push(labels[from] as string | number | boolean);
      origins.push({ from, to: b, gap: u });
    }
  }
  const out = new Float64Array(x.length + extra.length);
  out.set(x);
  out.set(extra, x.length);
  return { x: out, y, numFeatures: d, origins };
}

/** The kk rows of `pool` (other than i) nearest to row i, nearest first (ties by row index). */
function nearest(x: ArrayLike<number>, d: number, i: number, pool: readonly number[], kk: number): number[] {
  const dist = pool
    .filter((j) => j !== i)
    .map((j) => {
      let s = 0;
      for (let f = 0; f < d; f++) s += (x[i * d + f] - x[j * d + f]) ** 2;
      return { j, s };
    });
  dist.sort((p, q) => p.s - q.s || p.j - q.j);
  return dist.slice(0, kk).map((e) => e.j);
}

/**
 * SMOTE on a Table: `features` (number columns, default every number column but the target) are
 * interpolated; synthetic rows are appended, with the target set and other columns missing.
 */
export function smote(table: Table, target: string, opts: SmoteOptions & { features?: readonly string[] } = {}): Table {
  const t = table.column(target);
  const features = opts.features ?? table.columns.filter((c) => c.type === "number" && c.name !== target).map((c) => c.name);
  const cols = features.map((name) => {
    const c = table.column(name);
    if (c.type !== "number") throw new Error(`smote: feature column "${name}" is ${c.type}, expected number`);
    return c.values;
  });
  if (cols.length === 0) throw new Error(`smote: no number feature columns to interpolate`);
  const d = cols.length;
  const n = table.numRows;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let f = 0; f < d; f++) x[i * d + f] = cols[f][i];
  const r = smoteArrays(x, d, t.values as Labels, opts);
  const total = r.y.length;
  const columns: Column[] = table.columns.map((c) => {
    const f = features.indexOf(c.name);
    if (f >= 0) return { name: c.name, type: "number", values: Float64Array.from({ length: total }, (_, i) => r.x[i * d + f]) };
    if (c.name === target) {
      if (c.type === "number" || c.type === "date") return { ...c, values: Float64Array.from(r.y as number[]) };
      if (c.type === "string") return { ...c, values: r.y as string[] };
      return { ...c, values: r.y as boolean[] };
    }
    if (c.type === "number" || c.type === "date") {
      const v = new Float64Array(total).fill(NaN);
      v.set(c.values);
      return { ...c, values: v };
    }
    if (c.type === "string") return { ...c, values: [...c.values, ...new Array<null>(total - n).fill(null)] };
    return { ...c, values: [...c.values, ...new Array<null>(total - n).fill(null)] };
  });
  return new Table(columns);
}

/** Class weights and the classes they belong to (sorted ascending, as numpy.unique). */
export interface ClassWeights {
  classes: (string | number | boolean)[];
  weights: number[];
}

/**
 * "balanced" class weights, n_samples / (n_classes · count(class)), in sorted class order: scikit-learn's
 * compute_class_weight. For labels 0..C-1, `weights` is what fit()'s `classWeights` takes.
 */
export function classWeightsFrom(labels: Labels, mode: "balanced" = "balanced"): ClassWeights {
  if (mode !== "balanced") throw new Error(`classWeightsFrom: mode must be "balanced", got ${String(mode)}`);
  const counts = new Map<string | number | boolean, number>();
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) throw new Error(`classWeightsFrom: label ${i} is missing`);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  if (counts.size === 0) throw new Error("classWeightsFrom: no labels given");
  const classes = [...counts.keys()].sort((a, b) => (typeof a === "number" && typeof b === "number" ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  const n = labels.length;
  return { classes, weights: classes.map((c) => n / (classes.length * (counts.get(c) as number))) };
}
