import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  compareFeature, DEFAULT_THRESHOLDS, driftReference, loadDriftReference, saveDriftReference, SAMPLE_SIZE, type FeatureReference,
  type NumericFeatureReference,
} from "../../src/monitor/index.js";

/** A seeded uniform generator, so the data (and the test's outcome) is the same on every run. */
function uniform(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

function numeric(ref: FeatureReference): NumericFeatureReference {
  assert.notEqual(ref.kind, "categorical");
  return ref as NumericFeatureReference;
}

test("driftReference bins numbers at their quantiles and keeps a bounded sample spanning them", () => {
  const r = uniform(7);
  const rows = Array.from({ length: 5000 }, (_, i) => ({ x: r() * 100, city: ["a", "b", "c"][i % 3], note: i % 10 === 0 ? null : `free text number ${i} ${"z".repeat(i % 17)}` }));
  const ref = driftReference(rows, { bins: 10 });
  assert.equal(ref.rows, 5000);
  const x = numeric(ref.features.find((f) => f.field === "x")!);
  assert.equal(x.kind, "numeric");
  assert.equal(x.edges.length, 9);
  // quantile bins of 5000 distinct values hold 500 each
  assert.deepEqual(x.counts, new Array(10).fill(500));
  assert.equal(x.sample.length, SAMPLE_SIZE);
  const sorted = rows.map((row) => row.x).sort((a, b) => a - b);
  assert.equal(x.sample[0], sorted[0]);
  assert.equal(x.sample.at(-1), sorted.at(-1));
  const city = ref.features.find((f) => f.field === "city")!;
  assert.deepEqual(city.kind === "categorical" && { categories: city.categories, counts: city.counts }, { categories: ["a", "b", "c"], counts: [1667, 1667, 1666, 0] });
  // a string field with mostly distinct values is text, measured by length; nulls are counted as missing
  const note = numeric(ref.features.find((f) => f.field === "note")!);
  assert.equal(note.kind, "text");
  assert.equal(note.missing, 500);
  assert.equal(note.counts.reduce((a, b) => a + b, 0), 4500);
  // text drifts by length: the same notes are stable, notes twice as long are not
  const notes = rows.filter((_, i) => i % 9 === 0).map((row) => row.note); // every ninth row: the same lengths, and nulls
  assert.equal(compareFeature(note, notes, DEFAULT_THRESHOLDS).drifted, false);
  const longer = compareFeature(note, notes.map((n) => (n === null ? null : n + n)), DEFAULT_THRESHOLDS);
  assert.equal(longer.kind, "text");
  assert.ok(longer.drifted && longer.psi > 0.2 && longer.pValue! < 0.01, JSON.stringify(longer));
});

test("driftReference keeps the top-K categories, merges repeated quantiles, and profiles scores or classes", () => {
  const rows = Array.from({ length: 100 }, (_, i) => ({ grade: i < 50 ? 1 : i < 90 ? 2 : 3, tag: `t${i % 7}`, label: "x" }));
  const ref = driftReference(rows, { topK: 3, textFields: ["label"], scores: rows.map((_, i) => (i % 2 ? "yes" : "no")) });
  const grade = numeric(ref.features[0]);
  assert.deepEqual(grade.edges, [1, 2]); // 9 quantiles of {1,2,3} collapse to two distinct cut points
  assert.deepEqual(grade.counts, [50, 40, 10]);
  const tag = ref.features[1];
  assert.ok(tag.kind === "categorical");
  assert.deepEqual(tag.categories, ["t0", "t1", "t2"]);
  assert.deepEqual(tag.counts, [15, 15, 14, 56]);
  assert.equal(ref.features[2].kind, "text");
  assert.ok(ref.scores?.kind === "categorical");
  assert.deepEqual(ref.scores.categories, ["no", "yes"]);
  assert.throws(() => driftReference([]), /no rows to profile/);
  assert.throws(() => driftReference(rows, { bins: 1 }), /bins must be an integer ≥ 2, got 1/);
});

test("compareFeature: the same distribution is stable, a shifted one drifts on PSI and KS", () => {
  const r = uniform(11);
  const normal = (mean: number) => mean + 10 * (r() + r() + r() + r() - 2);
  const ref = numeric(driftReference(Array.from({ length: 2000 }, () => ({ x: normal(50) }))).features[0]);
  const same = compareFeature(ref, Array.from({ length: 400 }, () => normal(50)), DEFAULT_THRESHOLDS);
  assert.ok(same.psi < 0.1 && (same.pValue ?? 0) > 0.01 && !same.drifted, JSON.stringify(same));
  const moved = compareFeature(ref, Array.from({ length: 400 }, () => normal(60)), DEFAULT_THRESHOLDS);
  assert.ok(moved.psi > 0.2 && (moved.pValue ?? 1) < 0.01 && moved.drifted, JSON.stringify(moved));
  assert.equal(moved.count, 400);
  // too few rows are never called drifted, however far they moved
  assert.equal(compareFeature(ref, [500, 600, 700], DEFAULT_THRESHOLDS).drifted, false);
  // values that are not numbers count as missing, which is itself a shift
  const broken = compareFeature(ref, Array.from({ length: 100 }, (_, i) => (i % 2 ? normal(50) : "n/a")), DEFAULT_THRESHOLDS);
  assert.equal(broken.count, 50);
  assert.ok(broken.psi > 0.2);
});

test("saveDriftReference writes atomically; loadDriftReference reads it back, null when absent, a clear error when corrupt", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ingot-monitor-ref-"));
  assert.equal(await loadDriftReference(dir), null);
  const ref = driftReference([{ a: 1, b: "x" }, { a: 2, b: "y" }, { a: 3, b: "x" }], { scores: [0.1, 0.5, 0.9] });
  await saveDriftReference(dir, ref);
  assert.deepEqual(await readdir(dir), ["drift-reference.json"]); // no temp file left behind
  assert.deepEqual(await loadDriftReference(dir), ref);
  const path = join(dir, "drift-reference.json");
  await writeFile(path, (await readFile(path, "utf8")).slice(0, 40));
  await assert.rejects(loadDriftReference(dir), (e: Error) => e.message.startsWith(`drift reference ${path} is corrupt:`));
  await writeFile(path, JSON.stringify({ ...ref, features: [{ ...ref.features[0], counts: [1] }] }));
  await assert.rejects(loadDriftReference(dir), /features\[0\] has 3 edges but 1 counts \(expected edges \+ 1\)/);
  await writeFile(path, JSON.stringify({ format: "something-else" }));
  await assert.rejects(loadDriftReference(dir), /format must be "ingot.drift-reference", got "something-else"/);
});
