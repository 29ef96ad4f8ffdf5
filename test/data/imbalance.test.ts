// Imbalance: scikit-learn's balanced class weights (test/fixtures/data.json), the counts and membership
// of random over/under-sampling, and SMOTE's geometry: every synthetic point lies on a segment between a
// minority sample and one of its k nearest minority neighbours (neighbours recomputed here by brute force).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { classWeightsFrom, randomOverSample, randomOverSampleIndices, randomUnderSampleIndices, smote, smoteArrays } from "../../src/data/imbalance.js";
import { Table } from "../../src/data/table.js";
import { Generator } from "../../src/tensor/index.js";

const fx = JSON.parse(readFileSync(new URL("../fixtures/data.json", import.meta.url), "utf8")) as {
  classWeights: { labels: number[]; weights: number[]; stringLabels: string[]; stringClasses: string[]; stringWeights: number[] };
};

const labels = ["a", "b", "a", "a", "c", "a", "b", "a", "a", "a"]; // a: 7, b: 2, c: 1
const countOf = (xs: ArrayLike<unknown>, v: unknown): number => Array.from(xs).filter((x) => x === v).length;

test("classWeightsFrom(labels, 'balanced') equals scikit-learn's compute_class_weight", () => {
  const w = classWeightsFrom(fx.classWeights.labels, "balanced");
  assert.deepEqual(w.classes, [0, 1, 2, 3]);
  w.weights.forEach((v, i) => assert.ok(Math.abs(v - fx.classWeights.weights[i]) < 1e-12, `class ${i}: ${v} vs ${fx.classWeights.weights[i]}`));
  const s = classWeightsFrom(fx.classWeights.stringLabels);
  assert.deepEqual(s.classes, fx.classWeights.stringClasses);
  s.weights.forEach((v, i) => assert.ok(Math.abs(v - fx.classWeights.stringWeights[i]) < 1e-12));
  assert.throws(() => classWeightsFrom([1, null]), /label 1 is missing/);
  assert.throws(() => classWeightsFrom([]), /no labels/);
});

test("randomOverSampleIndices: every class at the majority count, originals kept, repeats from the same class, seeded", () => {
  const idx = randomOverSampleIndices(labels, { seed: 1 });
  const y = Array.from(idx, (i) => labels[i]);
  assert.deepEqual([countOf(y, "a"), countOf(y, "b"), countOf(y, "c")], [7, 7, 7]);
  for (let i = 0; i < labels.length; i++) assert.ok(idx.includes(i), `original row ${i} kept`);
  assert.deepEqual(randomOverSampleIndices(labels, { seed: 1 }), idx);
  assert.notDeepEqual(randomOverSampleIndices(labels, { seed: 2 }), idx);
  const t = new Table([{ name: "y", type: "string", values: labels }]);
  assert.equal(randomOverSample(t, "y", { seed: 1 }).numRows, 21);
});

test("randomUnderSampleIndices: every class at the minority count, distinct rows of that class", () => {
  const big = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? "x" : i % 7 === 0 ? "z" : "y"));
  const idx = randomUnderSampleIndices(big, { seed: 4 });
  const minority = Math.min(countOf(big, "x"), countOf(big, "y"), countOf(big, "z"));
  const y = Array.from(idx, (i) => big[i]);
  assert.deepEqual([countOf(y, "x"), countOf(y, "y"), countOf(y, "z")], [minority, minority, minority]);
  assert.equal(new Set(idx).size, idx.length, "no row twice");
  assert.deepEqual(randomUnderSampleIndices(big, { seed: 4 }), idx);
  assert.notDeepEqual(randomUnderSampleIndices(big, { seed: 5 }), idx);
});

/** Indices of the k nearest rows of `pool` to row i (excluding i), by brute force. */
function knn(x: Float64Array, d: number, i: number, pool: number[], k: number): number[] {
  const dist = (j: number): number => Array.from({ length: d }, (_, f) => (x[i * d + f] - x[j * d + f]) ** 2).reduce((a, b) => a + b, 0);
  return pool.filter((j) => j !== i).sort((a, b) => dist(a) - dist(b)).slice(0, k);
}

test("SMOTE: synthetic points lie on segments between minority samples and their k nearest minority neighbours", () => {
  const g = new Generator(11);
  const n = 40;
  const d = 3;
  const x = Float64Array.from(g.normal(n * d));
  const y = Array.from({ length: n }, (_, i) => (i < 30 ? 0 : i < 36 ? 1 : 2)); // 30 / 6 / 4
  for (let i = 30; i < n; i++) x[i * d] += 4; // minorities elsewhere, so a cross-class neighbour would show
  const k = 3;
  const r = smoteArrays(x, d, y, { k, seed: 7 });
  assert.equal(r.y.length, 90);
  assert.deepEqual([countOf(r.y, 0), countOf(r.y, 1), countOf(r.y, 2)], [30, 30, 30]);
  assert.deepEqual(Array.from(r.x.subarray(0, n * d)), Array.from(x), "originals first, unchanged");
  for (let s = n; s < r.y.length; s++) {
    const p = r.x.subarray(s * d, (s + 1) * d);
    const cls = r.y[s];
    const members = y.flatMap((v, i) => (v === cls ? [i] : []));
    // search every (sample, neighbour) pair of the class for a segment through p
    const onSegment = members.some((i) =>
      knn(x, d, i, members, k).some((j) => {
        const dir = Array.from({ length: d }, (_, f) => x[j * d + f] - x[i * d + f]);
        const len2 = dir.reduce((a, b) => a + b * b, 0);
        const u = dir.reduce((a, b, f) => a + b * (p[f] - x[i * d + f]), 0) / len2;
        const off = Math.hypot(...dir.map((v, f) => x[i * d + f] + u * v - p[f]));
        return u >= 0 && u <= 1 && off < 1e-9;
      }),
    );
    assert.ok(onSegment, `synthetic row ${s} (class ${cls}) is not between a sample and one of its ${k} nearest neighbours`);
  }
  assert.deepEqual(smoteArrays(x, d, y, { k, seed: 7 }).x, r.x, "seeded");
  assert.notDeepEqual(smoteArrays(x, d, y, { k, seed: 8 }).x, r.x);
  assert.throws(() => smoteArrays(x, d, [...y.slice(0, 39), 5], { k }), /class 5 has a single sample/);
  assert.throws(() => smoteArrays(x, 4, y), /x has 120 values, expected 40 rows × 4 features/);
});

test("smote on a Table: features interpolated, target set, other columns missing in synthetic rows", () => {
  const t = new Table([
    { name: "f", type: "number", values: Float64Array.from([0, 1, 2, 3, 10, 12]) },
    { name: "note", type: "string", values: ["p", "q", "r", "s", "t", "u"] },
    { name: "y", type: "string", values: ["n", "n", "n", "n", "p", "p"] },
  ]);
  const out = smote(t, "y", { k: 1, seed: 0 });
  assert.equal(out.numRows, 8);
  assert.deepEqual(out.column("y").values.slice(6), ["p", "p"]);
  assert.deepEqual(out.column("note").values.slice(6), [null, null]);
  for (const v of (out.column("f").values as Float64Array).slice(6)) assert.ok(v >= 10 && v <= 12, `${v} between the two minority rows`);
});
