// Splits: partition properties (disjoint, covering, sizes), seeded reproducibility, class proportions,
// groups never on both sides, train strictly before test, and scikit-learn's TimeSeriesSplit folds
// (test/fixtures/data.json).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { groupKFold, groupShuffleSplit, kFoldSplits, randomSplit, stratifiedSplit, timeSeriesSplit, type FoldSplit } from "../../src/data/split.js";
import { Table, type Column } from "../../src/data/table.js";
import { kFold } from "../../src/metrics/index.js";

const fx = JSON.parse(readFileSync(new URL("../fixtures/data.json", import.meta.url), "utf8")) as {
  timeSeriesSplit: Record<string, { train: number[]; test: number[] }[]>;
};

const num = (name: string, values: readonly number[]): Column => ({ name, type: "number", values: Float64Array.from(values) });
const str = (name: string, values: string[]): Column => ({ name, type: "string", values });
const ids = (t: Table): number[] => Array.from(t.column("id").values as Float64Array);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

/** 40 rows: id, a class label (30 "a", 10 "b"), a group of 1..4 rows, a time with ties. */
function sample(): Table {
  const n = 40;
  return new Table([
    num("id", range(n)),
    str("label", range(n).map((i) => (i % 4 === 3 ? "b" : "a"))),
    str("group", range(n).map((i) => `g${Math.floor((i * 7) % 40 / 3)}`)),
    num("time", range(n).map((i) => Math.floor(((i * 13) % 40) / 2))),
  ]);
}

function assertPartition(train: number[], test: number[], n: number, what: string): void {
  assert.deepEqual(sorted([...train, ...test]), range(n), `${what}: train and test cover every row exactly once`);
}

test("randomSplit of a Table: sizes, partition, seeded reproducibility", () => {
  const t = sample();
  const s = randomSplit(t, { testSize: 0.25, seed: 3 });
  assert.deepEqual([s.train.numRows, s.test.numRows], [30, 10]);
  assertPartition(ids(s.train), ids(s.test), 40, "randomSplit");
  assert.deepEqual(ids(randomSplit(t, { testSize: 0.25, seed: 3 }).test), ids(s.test), "same seed, same split");
  assert.notDeepEqual(ids(randomSplit(t, { testSize: 0.25, seed: 4 }).test), ids(s.test), "another seed, another split");
  const idx = randomSplit(40, { testSize: 0.25, seed: 3 });
  assert.deepEqual(idx.testIndex, ids(s.test), "the index form picks the same rows");
  assert.deepEqual(ids(randomSplit(t, { shuffle: false, testSize: 10 }).test), range(10).map((i) => 30 + i));
});

test("stratifiedSplit keeps the class proportions on both sides", () => {
  const t = sample();
  for (const seed of [0, 1, 2]) {
    const s = stratifiedSplit(t, "label", { testSize: 0.2, seed });
    const count = (tb: Table, c: string): number => (tb.column("label").values as string[]).filter((v) => v === c).length;
    assert.deepEqual([count(s.test, "a"), count(s.test, "b"), count(s.train, "a"), count(s.train, "b")], [6, 2, 24, 8], `seed ${seed}`);
    assertPartition(ids(s.train), ids(s.test), 40, "stratified");
  }
  assert.throws(() => randomSplit(10, { stratify: "label" }), /needs a Table/);
  assert.throws(() => randomSplit(3, { stratify: ["a", null, "b"] }), /label of row 1 is missing/);
});

test("kFoldSplits on a Table: the folds of metrics' kFold; stratified folds keep proportions", () => {
  const t = sample();
  const folds = kFoldSplits(t, { k: 4, shuffle: true, seed: 9 });
  const want = kFold(40, 4, { shuffle: true, seed: 9 });
  folds.forEach((f, i) => {
    assert.deepEqual(ids(f.test), want[i].testIndex);
    assertPartition(ids(f.train), ids(f.test), 40, `fold ${i}`);
  });
  assert.deepEqual(sorted(folds.flatMap((f) => ids(f.test))), range(40), "each row is tested once");
  for (const f of kFoldSplits(t, { k: 5, stratify: "label" })) {
    assert.equal((f.test.column("label").values as string[]).filter((v) => v === "b").length, 2);
  }
});

function groupsOn(t: Table, rows: number[]): Set<string> {
  const g = t.column("group").values as string[];
  return new Set(rows.map((i) => g[i]));
}

test("groupShuffleSplit: no group on both sides, a quarter of the groups held out, seeded", () => {
  const t = sample();
  const nGroups = new Set(t.column("group").values as string[]).size;
  for (const seed of [0, 1, 2, 3]) {
    const s = groupShuffleSplit(40, { groups: t.column("group").values as string[], testSize: 0.25, seed });
    assertPartition(s.trainIndex, s.testIndex, 40, "groupShuffleSplit");
    const test = groupsOn(t, s.testIndex);
    assert.equal(test.size, Math.ceil(0.25 * nGroups));
    for (const g of groupsOn(t, s.trainIndex)) assert.ok(!test.has(g), `group ${g} on both sides (seed ${seed})`);
  }
  const a = groupShuffleSplit(t, { groups: "group", seed: 5 });
  assert.deepEqual(ids(a.test), groupShuffleSplit(40, { groups: t.column("group").values as string[], seed: 5 }).testIndex);
  assert.throws(() => groupShuffleSplit(3, { groups: ["x", "x", "x"] }), /leaving groups on both sides; there are 1 groups/);
});

test("groupKFold: every group tested in exactly one fold, never also in training; balanced folds", () => {
  const t = sample();
  const folds = groupKFold(40, t.column("group").values as string[], 4);
  const testedIn = new Map<string, number>();
  folds.forEach((f: FoldSplit, i) => {
    assertPartition(f.trainIndex, f.testIndex, 40, `fold ${i}`);
    const test = groupsOn(t, f.testIndex);
    for (const g of groupsOn(t, f.trainIndex)) assert.ok(!test.has(g), `group ${g} in train and test of fold ${i}`);
    for (const g of test) testedIn.set(g, (testedIn.get(g) ?? 0) + 1);
  });
  assert.ok([...testedIn.values()].every((c) => c === 1));
  assert.equal(testedIn.size, new Set(t.column("group").values as string[]).size);
  const sizes = folds.map((f) => f.testIndex.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 3, `fold sizes ${sizes.join(", ")} differ by at most the largest group`);
  assert.equal(groupKFold(t, "group", 4).length, 4);
  assert.throws(() => groupKFold(3, ["a", "b", "a"], 3), /k=3 folds with only 2 groups/);
});

test("timeSeriesSplit equals scikit-learn's TimeSeriesSplit", () => {
  for (const [key, want] of Object.entries(fx.timeSeriesSplit)) {
    const [n, nSplits, testSize, gap] = key.split("_");
    const got = timeSeriesSplit(Number(n), { nSplits: Number(nSplits), testSize: testSize === "None" ? undefined : Number(testSize), gap: Number(gap) });
    assert.deepEqual(got.map((f) => ({ train: f.trainIndex, test: f.testIndex })), want, key);
  }
  assert.throws(() => timeSeriesSplit(5, { nSplits: 5 }), /cannot make 5 splits of test size 0/);
});

test("timeSeriesSplit with orderBy: rows ordered by time, training strictly before testing despite ties", () => {
  const t = sample(); // every time value occurs twice, so a boundary at an odd position splits a tie
  const folds = timeSeriesSplit(t, { nSplits: 3, testSize: 9, orderBy: "time" });
  for (const f of folds) {
    const trainTimes = Array.from(f.train.column("time").values as Float64Array);
    const testTimes = Array.from(f.test.column("time").values as Float64Array);
    assert.ok(Math.max(...trainTimes) < Math.min(...testTimes), "train strictly before test");
    assert.equal(f.test.numRows, 9);
  }
  // test blocks start at sorted positions 13, 22, 31; at 13 and 31 (odd) a pair of tied times straddles
  // the boundary, so its earlier row leaves training; at 22 the boundary falls between two pairs
  assert.deepEqual(folds.map((f) => f.train.numRows), [12, 22, 30]);
});
