// Cross-validation splits: k-fold, stratified k-fold and a train/test split. Without shuffling the
// folds are exactly scikit-learn's KFold / StratifiedKFold; shuffled ones use Ingot's Philox generator,
// so a seed gives the same folds on every machine (but not sklearn's numpy-shuffled folds).
import { defaultGenerator, Generator, indexSelect, Tensor, tensor } from "../tensor/index.js";
import { asLabels, readInput, type MetricInput } from "./input.js";

/** One split: sorted indices of the training samples and of the held-out samples. */
export interface FoldSplit {
  trainIndex: number[];
  testIndex: number[];
}

/** Options of {@link kFold} and {@link stratifiedKFold}. */
export interface KFoldOptions {
  /** Shuffle before splitting. Default false (contiguous folds, as scikit-learn). */
  shuffle?: boolean;
  /** Seed of the shuffle; without one the default generator (see manualSeed) is used. */
  seed?: number;
}

function generatorFor(seed: number | undefined): Generator {
  return seed === undefined ? defaultGenerator : new Generator(seed);
}

/** A uniformly random permutation of `items` (Fisher–Yates with 32-bit draws). */
function shuffled<T>(items: readonly T[], rng: Generator): T[] {
  const out = items.slice();
  const draws = rng.uint32(out.length);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor((draws[i] / 4294967296) * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function checkFolds(fn: string, n: number, k: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${fn}: the number of samples must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(k) || k < 2) throw new Error(`${fn}: k-fold cross-validation needs k >= 2 folds, got k=${k}`);
  if (k > n) throw new Error(`${fn}: cannot have k=${k} folds with only ${n} samples`);
}

/** Splits given each sample's fold number: fold f tests the samples assigned to it and trains on the rest. */
function splitsFromFolds(folds: Int32Array, k: number): FoldSplit[] {
  return range(k).map((f) => {
    const trainIndex: number[] = [];
    const testIndex: number[] = [];
    folds.forEach((fold, i) => (fold === f ? testIndex : trainIndex).push(i));
    return { trainIndex, testIndex };
  });
}

/**
 * k folds of n samples (scikit-learn's KFold): fold sizes differ by at most one, the first n mod k folds
 * being the larger; without shuffle each test fold is a contiguous block.
 */
export function kFold(n: number, k = 5, opts: KFoldOptions = {}): FoldSplit[] {
  checkFolds("kFold", n, k);
  const order = opts.shuffle ? shuffled(range(n), generatorFor(opts.seed)) : range(n);
  const folds = new Int32Array(n);
  let at = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    for (let i = 0; i < size; i++) folds[order[at++]] = f;
  }
  return splitsFromFolds(folds, k);
}

/**
 * k folds that keep each class's proportion (scikit-learn's StratifiedKFold): every fold holds
 * ⌊c/k⌋ or ⌈c/k⌉ samples of a class of c samples and the fold sizes differ by at most one. Without
 * shuffle, each class's samples go to folds in order of appearance, exactly as scikit-learn.
 */
export function stratifiedKFold(labels: MetricInput, k = 5, opts: KFoldOptions = {}): FoldSplit[] {
  const fn = "stratifiedKFold";
  const y = asLabels(readInput(labels, `${fn}: labels`), `${fn}: labels`);
  checkFolds(fn, y.length, k);
  // classes numbered by first appearance, as scikit-learn encodes them
  const code = new Map<number, number>();
  const encoded = Int32Array.from(y, (v) => {
    if (!code.has(v)) code.set(v, code.size);
    return code.get(v) as number;
  });
  const counts = new Array<number>(code.size).fill(0);
  for (const c of encoded) counts[c]++;
  if (counts.every((c) => c < k)) throw new Error(`${fn}: k=${k} cannot be greater than the number of members in each class (largest class: ${Math.max(...counts)})`);
  // allocation[f][c]: how many samples of class c fold f tests, dealt round-robin over the sorted codes
  const sortedCodes = Int32Array.from(encoded).sort();
  const allocation = range(k).map(() => new Array<number>(code.size).fill(0));
  sortedCodes.forEach((c, i) => allocation[i % k][c]++);
  const rng = opts.shuffle ? generatorFor(opts.seed) : null;
  const folds = new Int32Array(y.length);
  for (let c = 0; c < code.size; c++) {
    let foldsForClass = range(k).flatMap((f) => new Array<number>(allocation[f][c]).fill(f));
    if (rng) foldsForClass = shuffled(foldsForClass, rng);
    let next = 0;
    encoded.forEach((e, i) => {
      if (e === c) folds[i] = foldsForClass[next++];
    });
  }
  return splitsFromFolds(folds, k);
}

/** What trainTestSplit can split along the first dim. */
export type Splittable = Tensor | readonly unknown[] | Float32Array | Float64Array | Int32Array | Uint8Array;

/** The [train, test] parts of a Splittable: plain arrays become mutable arrays, other kinds keep their type. */
export type SplitPair<A> = A extends Tensor ? [train: Tensor, test: Tensor] : A extends readonly (infer E)[] ? [train: E[], test: E[]] : [train: A, test: A];

/** One [train, test] pair per array given to trainTestSplit. */
export type SplitPairs<A extends readonly Splittable[]> = { -readonly [K in keyof A]: SplitPair<A[K]> };

/** Options of {@link trainTestSplit}. */
export interface TrainTestSplitOptions {
  /** Held-out share: a fraction in (0, 1) (rounded up) or a sample count >= 1. Default 0.25 (when trainSize is not given either). */
  testSize?: number;
  /** Training share: a fraction in (0, 1) (rounded down) or a sample count. Default: every sample not held out. */
  trainSize?: number;
  /** Shuffle before splitting. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffle; without one the default generator (see manualSeed) is used. */
  seed?: number;
  /** Class labels to stratify on: both parts keep the class proportions (needs shuffle). */
  stratify?: MetricInput;
}

/**
 * Splits n samples into a training and a held-out part (scikit-learn's train_test_split). Given a
 * count, returns the indices (in shuffled order, as scikit-learn); given arrays or tensors of equal
 * length, returns a [train, test] pair for each, in the same order.
 */
export function trainTestSplit(n: number, opts?: TrainTestSplitOptions): FoldSplit;
export function trainTestSplit<const A extends readonly Splittable[]>(arrays: A, opts?: TrainTestSplitOptions): SplitPairs<A>;
export function trainTestSplit(data: number | readonly Splittable[], opts: TrainTestSplitOptions = {}): FoldSplit | [unknown, unknown][] {
  const fn = "trainTestSplit";
  if (typeof data === "number") return splitIndices(fn, data, opts);
  if (!Array.isArray(data) || data.length === 0) throw new Error(`${fn}: expected a sample count or a non-empty array of arrays/tensors to split`);
  const n = lengthOf(fn, data[0], 0);
  data.forEach((a, i) => {
    const m = lengthOf(fn, a, i);
    if (m !== n) throw new Error(`${fn}: arrays[${i}] has ${m} samples but arrays[0] has ${n}`);
  });
  const { trainIndex, testIndex } = splitIndices(fn, n, opts);
  return data.map((a) => [take(a, trainIndex), take(a, testIndex)]);
}

function lengthOf(fn: string, a: Splittable, i: number): number {
  if (a instanceof Tensor) {
    if (a.ndim === 0) throw new Error(`${fn}: arrays[${i}] is a 0-d tensor; it has no samples to split`);
    return a.shape[0];
  }
  if (a === null || typeof a !== "object" || typeof a.length !== "number") throw new TypeError(`${fn}: arrays[${i}] must be an array, a typed array or a Tensor`);
  return a.length;
}

function take(a: Splittable, index: readonly number[]): unknown {
  if (a instanceof Tensor) return indexSelect(a, 0, tensor(Int32Array.from(index)));
  if (Array.isArray(a)) return index.map((i) => (a as readonly unknown[])[i]);
  const typed = a as Float32Array | Float64Array | Int32Array | Uint8Array;
  const out = new (typed.constructor as new (n: number) => typeof typed)(index.length);
  index.forEach((src, dst) => (out[dst] = typed[src]));
  return out;
}

/** Resolves a size option: a fraction of n (rounded with `round`) or a count. */
function sizeOf(fn: string, name: string, v: number, n: number, round: (x: number) => number): number {
  if (typeof v !== "number" || !(v > 0) || (v >= 1 && !Number.isInteger(v)) || (v >= 1 && v >= n)) {
    throw new Error(`${fn}: ${name}=${v} should be a fraction in (0, 1) or a positive count smaller than the number of samples ${n}`);
  }
  return v < 1 ? round(v * n) : v;
}

function splitIndices(fn: string, n: number, opts: TrainTestSplitOptions): FoldSplit {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${fn}: the number of samples must be a positive integer, got ${n}`);
  const testOpt = opts.testSize ?? (opts.trainSize === undefined ? 0.25 : undefined);
  if (testOpt !== undefined && opts.trainSize !== undefined && testOpt < 1 && opts.trainSize < 1 && testOpt + opts.trainSize > 1) {
    throw new Error(`${fn}: testSize + trainSize = ${testOpt + opts.trainSize} should be at most 1`);
  }
  let nTest = testOpt === undefined ? undefined : sizeOf(fn, "testSize", testOpt, n, Math.ceil);
  let nTrain = opts.trainSize === undefined ? undefined : sizeOf(fn, "trainSize", opts.trainSize, n, Math.floor);
  nTrain ??= n - (nTest as number);
  nTest ??= n - nTrain;
  if (nTrain + nTest > n) throw new Error(`${fn}: trainSize + testSize = ${nTrain + nTest} samples, more than the ${n} there are`);
  if (nTrain === 0) throw new Error(`${fn}: with ${n} samples, testSize=${opts.testSize} and trainSize=${opts.trainSize} the training set would be empty`);
  if (nTest === 0) throw new Error(`${fn}: with ${n} samples, testSize=${opts.testSize} and trainSize=${opts.trainSize} the test set would be empty`);
  const shuffle = opts.shuffle ?? true;
  if (opts.stratify !== undefined) {
    if (!shuffle) throw new Error(`${fn}: a stratified split needs shuffle: true`);
    return stratifiedSplit(fn, opts.stratify, n, nTrain, nTest, generatorFor(opts.seed));
  }
  if (!shuffle) return { trainIndex: range(nTrain), testIndex: range(nTest).map((i) => nTrain + i) };
  const perm = shuffled(range(n), generatorFor(opts.seed));
  return { trainIndex: perm.slice(nTest, nTest + nTrain), testIndex: perm.slice(0, nTest) };
}

/** Stratified split as scikit-learn's StratifiedShuffleSplit: per-class counts by largest remainder. */
function stratifiedSplit(fn: string, stratify: MetricInput, n: number, nTrain: number, nTest: number, rng: Generator): FoldSplit {
  const y = asLabels(readInput(stratify, `${fn}: stratify`), `${fn}: stratify`);
  if (y.length !== n) throw new Error(`${fn}: stratify has ${y.length} labels but there are ${n} samples`);
  const classes = [...new Set(y)].sort((a, b) => a - b);
  const members = classes.map((c) => range(n).filter((i) => y[i] === c));
  const counts = members.map((m) => m.length);
  const smallest = Math.min(...counts);
  if (smallest < 2) throw new Error(`${fn}: the least populated class in stratify has only ${smallest} member; every class needs at least 2`);
  if (nTrain < classes.length) throw new Error(`${fn}: the training set (${nTrain} samples) must be at least as large as the number of classes (${classes.length})`);
  if (nTest < classes.length) throw new Error(`${fn}: the test set (${nTest} samples) must be at least as large as the number of classes (${classes.length})`);
  const trainCounts = approximateMode(counts, nTrain, rng);
  const testCounts = approximateMode(counts.map((c, i) => c - trainCounts[i]), nTest, rng);
  const train: number[] = [];
  const test: number[] = [];
  members.forEach((m, i) => {
    const perm = shuffled(m, rng);
    train.push(...perm.slice(0, trainCounts[i]));
    test.push(...perm.slice(trainCounts[i], trainCounts[i] + testCounts[i]));
  });
  return { trainIndex: shuffled(train, rng), testIndex: shuffled(test, rng) };
}

/**
 * Splits `draws` among classes in proportion to `counts`: floors first, then one more to the classes
 * with the largest remainders, ties broken at random (scikit-learn's _approximate_mode).
 */
function approximateMode(counts: readonly number[], draws: number, rng: Generator): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const exact = counts.map((c) => (c / total) * draws);
  const out = exact.map(Math.floor);
  let missing = draws - out.reduce((a, b) => a + b, 0);
  const remainders = [...new Set(exact.map((e, i) => e - out[i]))].sort((a, b) => b - a);
  for (const r of remainders) {
    if (missing <= 0) break;
    const tied = shuffled(range(counts.length).filter((i) => exact[i] - out[i] === r), rng);
    for (const i of tied.slice(0, missing)) out[i]++;
    missing -= Math.min(tied.length, missing);
  }
  return out;
}
