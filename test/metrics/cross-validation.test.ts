// k-fold, stratified k-fold and train/test splits: scikit-learn's folds without shuffle, and the
// partition properties (disjoint, covering, sizes, class proportions) with shuffle.
import assert from "node:assert/strict";
import { test } from "node:test";
import { manualSeed, tensor, type Tensor } from "../../src/index.js";
import { kFold, stratifiedKFold, trainTestSplit, type FoldSplit } from "../../src/metrics/index.js";
import { backendTest } from "../helpers/backends.js";
import { fx } from "./fixture.js";

/** Every fold's test and train parts are disjoint and together cover 0..n-1; the test parts partition 0..n-1. */
function checkPartition(folds: FoldSplit[], n: number, what: string): void {
  const tested = new Array<number>(n).fill(0);
  for (const [f, { trainIndex, testIndex }] of folds.entries()) {
    const all = [...trainIndex, ...testIndex].sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: n }, (_, i) => i), `${what} fold ${f}: train + test cover every sample once`);
    for (const i of testIndex) tested[i]++;
  }
  assert.ok(tested.every((c) => c === 1), `${what}: every sample is tested exactly once`);
}

test("kFold and stratifiedKFold without shuffle equal scikit-learn's folds", () => {
  for (const [key, want] of Object.entries(fx.folds.kFold)) {
    const [n, k] = key.split("_").map(Number);
    assert.deepEqual(kFold(n, k).map((f) => ({ train: f.trainIndex, test: f.testIndex })), want, `KFold n=${n} k=${k}`);
  }
  const y = fx.folds.stratifiedLabels;
  for (const [k, want] of Object.entries(fx.folds.stratifiedKFold)) {
    assert.deepEqual(stratifiedKFold(y, Number(k)).map((f) => ({ train: f.trainIndex, test: f.testIndex })), want, `StratifiedKFold k=${k}`);
  }
});

test("shuffled kFold: a partition with fold sizes within one, reproducible from the seed", () => {
  const folds = kFold(23, 5, { shuffle: true, seed: 3 });
  checkPartition(folds, 23, "kFold");
  assert.deepEqual(folds.map((f) => f.testIndex.length), [5, 5, 5, 4, 4]);
  assert.deepEqual(kFold(23, 5, { shuffle: true, seed: 3 }), folds, "same seed, same folds");
  assert.notDeepEqual(kFold(23, 5, { shuffle: true, seed: 4 }), folds, "another seed, other folds");
  assert.notDeepEqual(folds[0].testIndex, [0, 1, 2, 3, 4], "shuffled");
  folds.forEach((f) => assert.deepEqual(f.testIndex, [...f.testIndex].sort((a, b) => a - b), "indices are sorted"));
  manualSeed(11);
  const a = kFold(10, 2, { shuffle: true });
  manualSeed(11);
  assert.deepEqual(kFold(10, 2, { shuffle: true }), a, "without a seed the default generator is used");
});

test("stratifiedKFold keeps each class within one of its share in every fold, shuffled or not", () => {
  const y = [...fx.folds.stratifiedLabels, 3, 3, 3, 3, 3, 3, 3, 1, 1, 0];
  for (const shuffle of [false, true]) {
    for (const k of [2, 3, 4, 5]) {
      const folds = stratifiedKFold(y, k, { shuffle, seed: k });
      checkPartition(folds, y.length, `stratified k=${k} shuffle=${shuffle}`);
      const sizes = folds.map((f) => f.testIndex.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `fold sizes ${sizes}`);
      for (const c of new Set(y)) {
        const total = y.filter((v) => v === c).length;
        for (const f of folds) {
          const inFold = f.testIndex.filter((i) => y[i] === c).length;
          assert.ok(inFold === Math.floor(total / k) || inFold === Math.ceil(total / k), `class ${c} (${total}) has ${inFold} in a fold of k=${k}`);
        }
      }
    }
  }
});

test("trainTestSplit of a count: sizes as scikit-learn (test rounded up), disjoint, shuffled by seed", () => {
  const s = trainTestSplit(10, { seed: 1 });
  assert.equal(s.testIndex.length, 3, "ceil(0.25 * 10)");
  assert.equal(s.trainIndex.length, 7);
  assert.equal(new Set([...s.trainIndex, ...s.testIndex]).size, 10);
  assert.deepEqual(trainTestSplit(10, { seed: 1 }), s);
  assert.deepEqual(trainTestSplit(10, { testSize: 0.3, shuffle: false }), { trainIndex: [0, 1, 2, 3, 4, 5, 6], testIndex: [7, 8, 9] });
  const sized = trainTestSplit(20, { testSize: 4, trainSize: 0.5, seed: 2 });
  assert.equal(sized.testIndex.length, 4);
  assert.equal(sized.trainIndex.length, 10, "floor(0.5 * 20)");
  assert.equal(new Set([...sized.trainIndex, ...sized.testIndex]).size, 14);
});

test("stratified trainTestSplit keeps class proportions in both parts", () => {
  const y = [...Array(30).fill(0), ...Array(15).fill(1), ...Array(5).fill(2)] as number[];
  const { trainIndex, testIndex } = trainTestSplit(y.length, { testSize: 0.2, stratify: y, seed: 5 });
  const count = (idx: number[], c: number): number => idx.filter((i) => y[i] === c).length;
  assert.deepEqual([0, 1, 2].map((c) => count(testIndex, c)), [6, 3, 1]);
  assert.deepEqual([0, 1, 2].map((c) => count(trainIndex, c)), [24, 12, 4]);
  assert.equal(new Set([...trainIndex, ...testIndex]).size, 50);
});

backendTest("trainTestSplit of arrays and tensors keeps rows paired", () => {
  const x = tensor(Array.from({ length: 12 }, (_, i) => [i, 10 * i]));
  const y = Array.from({ length: 12 }, (_, i) => `row${i}`);
  const w = Float64Array.from({ length: 12 }, (_, i) => i / 2);
  const [[xTrain, xTest], [yTrain, yTest], [wTrain, wTest]] = trainTestSplit([x, y, w], { testSize: 3, seed: 9 });
  assert.deepEqual(xTrain.shape, [9, 2]);
  assert.deepEqual(xTest.shape, [3, 2]);
  const rows = (t: Tensor): number[] => (t.toArray() as number[][]).map((r) => r[0]);
  assert.deepEqual(yTrain, rows(xTrain).map((i) => `row${i}`));
  assert.deepEqual(yTest, rows(xTest).map((i) => `row${i}`));
  assert.ok(wTest instanceof Float64Array);
  assert.deepEqual([...wTrain], rows(xTrain).map((i) => i / 2));
  const { trainIndex, testIndex } = trainTestSplit(12, { testSize: 3, seed: 9 });
  assert.deepEqual(rows(xTrain), trainIndex, "the arrays follow the index split of the same seed");
  assert.deepEqual(rows(xTest), testIndex);
});

test("cross-validation errors name the problem", () => {
  assert.throws(() => kFold(3, 5), /kFold: cannot have k=5 folds with only 3 samples/);
  assert.throws(() => kFold(10, 1), /kFold: k-fold cross-validation needs k >= 2 folds, got k=1/);
  assert.throws(() => stratifiedKFold([0, 0, 1, 1], 3), /k=3 cannot be greater than the number of members in each class/);
  assert.throws(() => stratifiedKFold([0, 0.5, 1], 2), /labels must hold integer class labels/);
  assert.throws(() => trainTestSplit(10, { testSize: 10 }), /testSize=10 should be a fraction in \(0, 1\) or a positive count smaller than the number of samples 10/);
  assert.throws(() => trainTestSplit(10, { testSize: 0.6, trainSize: 0.6 }), /testSize \+ trainSize = 1.2 should be at most 1/);
  assert.throws(() => trainTestSplit(10, { testSize: 6, trainSize: 6 }), /12 samples, more than the 10 there are/);
  assert.throws(() => trainTestSplit(4, { stratify: [0, 0, 0, 1] }), /least populated class in stratify has only 1 member/);
  assert.throws(() => trainTestSplit(6, { stratify: [0, 0, 1, 1, 2, 2], testSize: 2 }), /test set \(2 samples\) must be at least as large as the number of classes \(3\)/);
  assert.throws(() => trainTestSplit(4, { stratify: [0, 0, 1, 1], shuffle: false }), /a stratified split needs shuffle: true/);
  assert.throws(() => trainTestSplit([[1, 2, 3], [1, 2]]), /arrays\[1\] has 2 samples but arrays\[0\] has 3/);
});
