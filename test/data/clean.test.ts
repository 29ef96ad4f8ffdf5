// Cleaning: dropMissing / dropDuplicates on hand-made tables, imputation and clipping against
// scikit-learn / numpy values (test/fixtures/data.json), fit-on-train semantics and JSON round trips,
// and coerceTypes' failure report.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { clipOutliers, coerceTypes, dropDuplicates, dropMissing, imputeMissing, MissingImputer, OutlierClipper } from "../../src/data/clean.js";
import { Table, type Column } from "../../src/data/table.js";

interface Fx {
  profile: { a: (number | null)[] };
  imputer: { mean: number; median: number; mostFrequentInput: (number | null)[]; mostFrequent: number };
  clip: { iqr15: [number, number]; zscore2: [number, number] };
}
const fx = JSON.parse(readFileSync(new URL("../fixtures/data.json", import.meta.url), "utf8")) as Fx;

const num = (name: string, values: readonly (number | null)[]): Column => ({ name, type: "number", values: Float64Array.from(values, (v) => v ?? NaN) });
const str = (name: string, values: (string | null)[]): Column => ({ name, type: "string", values });
const nums = (t: Table, name: string): (number | null)[] => Array.from(t.column(name).values as Float64Array, (v) => (Number.isNaN(v) ? null : v));

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * (1 + Math.abs(expected)), `${what}: ${actual}, expected ${expected}`);
}

test("dropMissing: how any / all, restricted to columns", () => {
  const t = new Table([num("a", [1, null, 3, null]), str("s", ["x", "y", null, null])]);
  assert.deepEqual(nums(dropMissing(t), "a"), [1]);
  assert.deepEqual(nums(dropMissing(t, { how: "all" }), "a"), [1, null, 3]);
  assert.deepEqual(nums(dropMissing(t, { columns: ["a"] }), "a"), [1, 3]);
  assert.throws(() => dropMissing(t, { columns: ["nope"] }), /no column "nope"/);
  assert.throws(() => dropMissing(t, { how: "some" as "any" }), /how must be "any" or "all"/);
});

test("imputation statistics equal scikit-learn's SimpleImputer and are applied to other tables", () => {
  const train = new Table([num("a", fx.profile.a)]);
  for (const strategy of ["mean", "median"] as const) {
    const imp = imputeMissing(train, { strategy });
    close(imp.toJSON().values.a as number, fx.imputer[strategy], strategy);
    const test = new Table([num("a", [null, 1])]);
    const filled = nums(imp.transform(test), "a");
    close(filled[0] as number, fx.imputer[strategy], `${strategy} fills the test table with the train value`);
    assert.equal(filled[1], 1);
  }
  const mf = imputeMissing(new Table([num("v", fx.imputer.mostFrequentInput)]), { strategy: "mostFrequent" });
  assert.equal(mf.toJSON().values.v, fx.imputer.mostFrequent, "ties go to the smallest value");
});

test("mostFrequent / constant on strings, ffill, JSON round trip, type errors", () => {
  const t = new Table([str("s", ["b", null, "a", "b", null]), num("n", [null, 2, null, 4, null])]);
  const imp = imputeMissing(t, { strategy: "mostFrequent", columns: ["s"] });
  assert.deepEqual(imp.transform(t).column("s").values, ["b", "b", "a", "b", "b"]);
  const state = JSON.parse(JSON.stringify(imp.toJSON())) as ReturnType<MissingImputer["toJSON"]>;
  assert.deepEqual(MissingImputer.fromJSON(state).transform(t).column("s").values, ["b", "b", "a", "b", "b"]);
  assert.deepEqual(imputeMissing(t, { strategy: "constant", fillValue: "?", columns: ["s"] }).transform(t).column("s").values, ["b", "?", "a", "b", "?"]);
  assert.deepEqual(nums(imputeMissing(t, { strategy: "ffill" }).transform(t), "n"), [null, 2, 2, 4, 4], "leading missing stays missing");
  assert.throws(() => imputeMissing(t, { strategy: "mean", columns: ["s"] }), /strategy "mean" needs a number column, but "s" is string/);
  assert.throws(() => imputeMissing(t, { strategy: "constant", fillValue: 0, columns: ["s"] }), /fill value 0 is a number but column "s" is string/);
  assert.throws(() => new MissingImputer({ strategy: "constant" }), /needs a fillValue/);
  assert.throws(() => new MissingImputer({ strategy: "mean" }).transform(t), /call fit\(\) first/);
  assert.throws(() => imputeMissing(new Table([num("e", [null, null])]), { strategy: "median" }), /column "e" has no values/);
});

test("dropDuplicates keeps the first (or last) of equal rows; missing equals missing; types are distinct", () => {
  const t = new Table([num("a", [1, 1, 2, null, null, 1]), str("s", ["x", "x", "x", null, null, "1"]), num("i", [0, 1, 2, 3, 4, 5])]);
  assert.deepEqual(nums(dropDuplicates(t, { columns: ["a", "s"] }), "i"), [0, 2, 3, 5]);
  assert.deepEqual(nums(dropDuplicates(t, { columns: ["a", "s"], keep: "last" }), "i"), [1, 2, 4, 5]);
  assert.equal(dropDuplicates(t).numRows, 6, "all columns: every row differs by i");
  const mixed = new Table([str("s", ["1", "1"]), num("n", [1, 1])]);
  assert.equal(dropDuplicates(mixed).numRows, 1);
});

test("clipOutliers: IQR and z-score bounds equal numpy's; fitted on train, applied to test; JSON round trip", () => {
  const train = new Table([num("a", fx.profile.a)]);
  const iqr = clipOutliers(train, { method: "iqr" });
  iqr.toJSON().bounds.a.forEach((v, i) => close(v, fx.clip.iqr15[i], `iqr bound ${i}`));
  const z = clipOutliers(train, { method: "zscore", factor: 2 });
  z.toJSON().bounds.a.forEach((v, i) => close(v, fx.clip.zscore2[i], `zscore bound ${i}`));
  const [lo, hi] = z.toJSON().bounds.a;
  const test = new Table([num("a", [-1000, 10, 1000, null])]);
  const restored = OutlierClipper.fromJSON(JSON.parse(JSON.stringify(z.toJSON())) as ReturnType<OutlierClipper["toJSON"]>);
  assert.deepEqual(nums(restored.transform(test), "a"), [lo, 10, hi, null]);
  assert.throws(() => clipOutliers(new Table([str("s", ["x"])]), { method: "iqr", columns: ["s"] }), /column "s" is string, expected number/);
  assert.throws(() => new OutlierClipper({ method: "mad" as "iqr" }), /method must be "iqr" or "zscore"/);
});

test("coerceTypes converts and reports every failing cell with its row and reason", () => {
  const t = new Table([
    str("n", ["1.5", "abc", " 2 ", null, "", "1e3", "x1"]),
    str("b", ["yes", "no", "maybe", "TRUE", null, "0", "1"]),
    str("d", ["2024-01-02", "not a date", null, "2024-01-03T00:00:00Z", "", "2024-02-30x", "2020-05-06"]),
    num("k", [1, 2, 3, 4, 5, 6, 7]),
  ]);
  const r = coerceTypes(t, { n: "number", b: "boolean", d: "date", k: "string" });
  assert.equal(r.table.numRows, 7, "no row is dropped");
  assert.deepEqual(nums(r.table, "n"), [1.5, null, 2, null, null, 1000, null]);
  assert.deepEqual(r.table.column("b").values, [true, false, null, true, null, false, true]);
  assert.equal((r.table.column("d").values as Float64Array)[3], Date.UTC(2024, 0, 3));
  assert.deepEqual(r.table.column("k").values, ["1", "2", "3", "4", "5", "6", "7"]);
  assert.deepEqual(
    r.failures.map((f) => [f.column, f.row, f.value]),
    [
      ["n", 1, "abc"],
      ["n", 6, "x1"],
      ["b", 2, "maybe"],
      ["d", 1, "not a date"],
      ["d", 5, "2024-02-30x"],
    ],
  );
  assert.equal(r.failedCount, 5);
  assert.match(r.failures[0].reason, /"abc" is not a number/);
  assert.throws(() => coerceTypes(t, { nope: "number" }), /no column "nope"/);
  assert.throws(() => coerceTypes(t, { n: "int" as "number" }), /must be number, date, string or boolean; got int/);
});
