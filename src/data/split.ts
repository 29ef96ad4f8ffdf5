// Train/test splits of Tables or of index ranges: random and stratified (metrics' trainTestSplit),
// k-fold (metrics' kFold / stratifiedKFold), grouped (no group on both sides) and time-ordered (train
// strictly before test). Every shuffled split takes a seed and is reproducible on any machine.
import { kFold, stratifiedKFold, trainTestSplit, type FoldSplit } from "../metrics/cross-validation.js";
import { Generator } from "../tensor/index.js";
import { cellKey } from "./profile-stats.js";
import { type Column, type Table } from "./table.js";

export type { FoldSplit };

/** A table split into its training and held-out rows. */
export interface TableSplit {
  train: Table;
  test: Table;
}

/** The two tables of an index split. */
export function splitTable(table: Table, split: FoldSplit): TableSplit {
  return { train: table.take(split.trainIndex), test: table.take(split.testIndex) };
}

/** Options of {@link randomSplit}. */
export interface RandomSplitOptions {
  /** Held-out share in (0, 1) or a row count. Default 0.25. */
  testSize?: number;
  /** Default true; false keeps the first rows for training. */
  shuffle?: boolean;
  seed?: number;
  /** A column (for a Table) or labels to keep the class proportions of on both sides. */
  stratify?: string | ArrayLike<string | number | boolean | null>;
}

/** Class codes 0..C-1 (in order of first appearance) for a label column or array; missing labels are an error. */
export function labelCodes(fn: string, labels: Column | ArrayLike<string | number | boolean | null>): Int32Array {
  const code = new Map<string | number | boolean, number>();
  const isColumn = typeof (labels as Column).type === "string" && "values" in labels;
  const n = isColumn ? (labels as Column).values.length : (labels as ArrayLike<unknown>).length;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = isColumn ? cellKey(labels as Column, i) : (labels as ArrayLike<string | number | boolean | null>)[i];
    if (k === null || k === undefined || (typeof k === "number" && Number.isNaN(k))) {
      throw new Error(`${fn}: label of row ${i}${isColumn ? ` in column "${(labels as Column).name}"` : ""} is missing; drop or impute it first`);
    }
    if (!code.has(k)) code.set(k, code.size);
    out[i] = code.get(k) as number;
  }
  return out;
}

function labelsFrom(fn: string, table: Table | null, v: string | ArrayLike<string | number | boolean | null>, n: number): Int32Array {
  if (typeof v === "string") {
    if (!table) throw new Error(`${fn}: a column name ("${v}") needs a Table to split; pass the labels themselves with a row count`);
    return labelCodes(fn, table.column(v));
  }
  const codes = labelCodes(fn, v);
  if (codes.length !== n) throw new Error(`${fn}: ${codes.length} labels for ${n} rows`);
  return codes;
}

/** A random (optionally stratified) train/test split of a Table's rows, or of indices 0..n-1. */
export function randomSplit(data: Table, opts?: RandomSplitOptions): TableSplit;
export function randomSplit(data: number, opts?: RandomSplitOptions): FoldSplit;
export function randomSplit(data: Table | number, opts: RandomSplitOptions = {}): TableSplit | FoldSplit {
  const table = typeof data === "number" ? null : data;
  const n = table ? table.numRows : (data as number);
  const stratify = opts.stratify === undefined ? undefined : labelsFrom("randomSplit", table, opts.stratify, n);
  const split = trainTestSplit(n, { testSize: opts.testSize, shuffle: opts.shuffle, seed: opts.seed ?? 0, stratify });
  return table ? splitTable(table, split) : split;
}

/** A stratified train/test split: both sides keep the class proportions of `target`. */
export function stratifiedSplit(table: Table, target: string, opts: Omit<RandomSplitOptions, "stratify"> = {}): TableSplit {
  return randomSplit(table, { ...opts, stratify: target });
}

/** Options of {@link kFoldSplits}. */
export interface KFoldSplitOptions {
  /** Default 5. */
  k?: number;
  shuffle?: boolean;
  seed?: number;
  /** Stratify the folds on this label column (or labels). */
  stratify?: string | ArrayLike<string | number | boolean | null>;
}

/** k train/test folds of a Table (each row tested once), or of indices 0..n-1. */
export function kFoldSplits(data: Table, opts?: KFoldSplitOptions): TableSplit[];
export function kFoldSplits(data: number, opts?: KFoldSplitOptions): FoldSplit[];
export function kFoldSplits(data: Table | number, opts: KFoldSplitOptions = {}): TableSplit[] | FoldSplit[] {
  const table = typeof data === "number" ? null : data;
  const n = table ? table.numRows : (data as number);
  const k = opts.k ?? 5;
  const seed = opts.shuffle ? opts.seed ?? 0 : undefined;
  const folds = opts.stratify === undefined ? kFold(n, k, { shuffle: opts.shuffle, seed }) : stratifiedKFold(labelsFrom("kFoldSplits", table, opts.stratify, n), k, { shuffle: opts.shuffle, seed });
  return table ? folds.map((f) => splitTable(table, f)) : folds;
}

/** Group ids 0..G-1 per row (first appearance), and each group's rows. */
function groupsOf(fn: string, table: Table | null, groups: string | ArrayLike<string | number | boolean | null>, n: number): { codes: Int32Array; members: number[][] } {
  const codes = labelsFrom(fn, table, groups, n);
  const members: number[][] = [];
  codes.forEach((g, i) => (members[g] ??= []).push(i));
  return { codes, members };
}

function shuffledRange(n: number, g: Generator): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  const u = g.uint32(n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor((u[i] / 4294967296) * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Options of {@link groupShuffleSplit}. */
export interface GroupSplitOptions {
  /** The group of each row: a column name (for a Table) or one id per row. */
  groups: string | ArrayLike<string | number | boolean | null>;
  /** Share of the groups (rounded up, as scikit-learn's GroupShuffleSplit) or a group count held out. Default 0.2. */
  testSize?: number;
  seed?: number;
}

/** A random split by group: every group's rows land on one side only. */
export function groupShuffleSplit(data: Table, opts: GroupSplitOptions): TableSplit;
export function groupShuffleSplit(data: number, opts: GroupSplitOptions): FoldSplit;
export function groupShuffleSplit(data: Table | number, opts: GroupSplitOptions): TableSplit | FoldSplit {
  const fn = "groupShuffleSplit";
  const table = typeof data === "number" ? null : data;
  const n = table ? table.numRows : (data as number);
  const { members } = groupsOf(fn, table, opts.groups, n);
  const G = members.length;
  const t = opts.testSize ?? 0.2;
  const nTest = t > 0 && t < 1 ? Math.ceil(t * G) : t;
  if (!Number.isInteger(nTest) || nTest < 1 || nTest >= G) throw new Error(`${fn}: testSize=${t} should be a fraction in (0, 1) or a group count leaving groups on both sides; there are ${G} groups`);
  const perm = shuffledRange(G, new Generator(opts.seed ?? 0));
  const testIndex = perm.slice(0, nTest).flatMap((g) => members[g]).sort((a, b) => a - b);
  const trainIndex = perm.slice(nTest).flatMap((g) => members[g]).sort((a, b) => a - b);
  const split = { trainIndex, testIndex };
  return table ? splitTable(table, split) : split;
}

/**
 * k folds by group (scikit-learn's GroupKFold): groups, largest first, go to the fold with the fewest
 * rows so far, so fold sizes are balanced and no group is in two folds. Deterministic.
 */
export function groupKFold(data: Table, groups: GroupSplitOptions["groups"], k?: number): TableSplit[];
export function groupKFold(data: number, groups: GroupSplitOptions["groups"], k?: number): FoldSplit[];
export function groupKFold(data: Table | number, groups: GroupSplitOptions["groups"], k = 5): TableSplit[] | FoldSplit[] {
  const fn = "groupKFold";
  const table = typeof data === "number" ? null : data;
  const n = table ? table.numRows : (data as number);
  const { members } = groupsOf(fn, table, groups, n);
  if (!Number.isInteger(k) || k < 2) throw new Error(`${fn}: k must be an integer >= 2, got ${k}`);
  if (k > members.length) throw new Error(`${fn}: cannot have k=${k} folds with only ${members.length} groups`);
  const order = members.map((_, g) => g).sort((a, b) => members[b].length - members[a].length || a - b);
  const load = new Array<number>(k).fill(0);
  const foldOf = new Int32Array(members.length);
  for (const g of order) {
    const f = load.indexOf(Math.min(...load));
    foldOf[g] = f;
    load[f] += members[g].length;
  }
  const folds: FoldSplit[] = [];
  for (let f = 0; f < k; f++) {
    const testIndex: number[] = [];
    const trainIndex: number[] = [];
    members.forEach((rows, g) => (foldOf[g] === f ? testIndex : trainIndex).push(...rows));
    folds.push({ trainIndex: trainIndex.sort((a, b) => a - b), testIndex: testIndex.sort((a, b) => a - b) });
  }
  return table ? folds.map((s) => splitTable(table, s)) : folds;
}

/** Options of {@link timeSeriesSplit}. */
export interface TimeSeriesSplitOptions {
  /** Number of splits. Default 5. */
  nSplits?: number;
  /** Rows per test fold. Default ⌊n / (nSplits + 1)⌋. */
  testSize?: number;
  /** Rows left out between the end of train and the start of test. Default 0. */
  gap?: number;
  /** Largest training window (rows); older rows are dropped. Default: no limit. */
  maxTrainSize?: number;
  /** For a Table: the time column to order by (rows are otherwise taken as already in time order). */
  orderBy?: string;
}

/**
 * Expanding-window splits for time-ordered rows (scikit-learn's TimeSeriesSplit): test folds are
 * consecutive blocks at the end; each trains on what comes before. With `orderBy`, rows are ordered by
 * that column and training rows that share a timestamp with the first test row are dropped, so training
 * is strictly earlier than testing.
 */
export function timeSeriesSplit(data: Table, opts?: TimeSeriesSplitOptions): TableSplit[];
export function timeSeriesSplit(data: number, opts?: TimeSeriesSplitOptions): FoldSplit[];
export function timeSeriesSplit(data: Table | number, opts: TimeSeriesSplitOptions = {}): TableSplit[] | FoldSplit[] {
  const fn = "timeSeriesSplit";
  const table = typeof data === "number" ? null : data;
  const n = table ? table.numRows : (data as number);
  const nSplits = opts.nSplits ?? 5;
  const gap = opts.gap ?? 0;
  if (!Number.isInteger(nSplits) || nSplits < 2) throw new Error(`${fn}: nSplits must be an integer >= 2, got ${nSplits}`);
  const testSize = opts.testSize ?? Math.floor(n / (nSplits + 1));
  if (!Number.isInteger(gap) || gap < 0) throw new Error(`${fn}: gap must be a non-negative integer, got ${gap}`);
  if (!Number.isInteger(testSize) || testSize < 1 || n - gap - testSize * nSplits <= 0) {
    throw new Error(`${fn}: cannot make ${nSplits} splits of test size ${testSize} with gap ${gap} from ${n} rows`);
  }
  let order: number[] = Array.from({ length: n }, (_, i) => i);
  let time: Float64Array | null = null;
  if (opts.orderBy !== undefined) {
    if (!table) throw new Error(`${fn}: orderBy needs a Table`);
    const c = table.column(opts.orderBy);
    if (c.type !== "number" && c.type !== "date") throw new Error(`${fn}: orderBy column "${c.name}" is ${c.type}, expected number or date`);
    const values = c.values;
    for (let i = 0; i < n; i++) if (Number.isNaN(values[i])) throw new Error(`${fn}: orderBy column "${c.name}" is missing at row ${i}`);
    time = values;
    order = order.sort((a, b) => values[a] - values[b] || a - b);
  }
  const folds: FoldSplit[] = [];
  for (let s = 0; s < nSplits; s++) {
    const testStart = n - (nSplits - s) * testSize;
    const trainEnd = testStart - gap;
    const trainStart = opts.maxTrainSize !== undefined ? Math.max(0, trainEnd - opts.maxTrainSize) : 0;
    let trainIndex = order.slice(trainStart, trainEnd);
    const testIndex = order.slice(testStart, testStart + testSize);
    if (time) {
      const firstTest = time[testIndex[0]];
      trainIndex = trainIndex.filter((i) => (time as Float64Array)[i] < firstTest);
    }
    folds.push({ trainIndex, testIndex });
  }
  return table ? folds.map((f) => splitTable(table, f)) : folds;
}
