// profileTable: statistics against numpy (test/fixtures/data.json, made by make-data-fixtures.py), the
// warnings on tables built to trigger (and not trigger) them, and the terminal rendering.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { formatProfile, profileTable } from "../../src/data/profile.js";
import { Table, type Column } from "../../src/data/table.js";

interface Fx {
  profile: {
    a: (number | null)[];
    b: number[];
    aStats: Record<"mean" | "std" | "min" | "q25" | "q50" | "q75" | "max", number>;
    aHistogram7: { edges: number[]; counts: number[] };
    bHistogram10: { edges: number[]; counts: number[] };
    corrAB: number;
  };
}
const fx = JSON.parse(readFileSync(new URL("../fixtures/data.json", import.meta.url), "utf8")) as Fx;

const num = (name: string, values: readonly (number | null)[]): Column => ({ name, type: "number", values: Float64Array.from(values, (v) => v ?? NaN) });
const str = (name: string, values: (string | null)[]): Column => ({ name, type: "string", values });

function close(actual: number, expected: number, what: string, tol = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tol * (1 + Math.abs(expected)), `${what}: ${actual}, expected ${expected}`);
}

test("number column statistics, histogram and correlation equal numpy's", () => {
  const t = new Table([num("a", fx.profile.a), num("b", fx.profile.b)]);
  const p = profileTable(t, { bins: 7 });
  const a = p.columns[0];
  assert.equal(a.missing, 3);
  assert.equal(a.count, fx.profile.a.length - 3);
  close(a.missingPct, (100 * 3) / fx.profile.a.length, "missingPct");
  assert.equal(a.distinct, a.count);
  for (const [k, v] of Object.entries(fx.profile.aStats)) close((a.summary as unknown as Record<string, number>)[k], v, `a.${k}`);
  assert.deepEqual(a.histogram?.counts, fx.profile.aHistogram7.counts);
  a.histogram?.edges.forEach((e, i) => close(e, fx.profile.aHistogram7.edges[i], `edge ${i}`));
  const b10 = profileTable(t).columns[1].histogram;
  assert.deepEqual(b10?.counts, fx.profile.bHistogram10.counts);
  assert.equal(p.correlations.length, 1);
  close(p.correlations[0].r, fx.profile.corrAB, "corr(a, b)");
  assert.deepEqual(p.warnings, [], "independent random columns raise no warning");
  assert.deepEqual(JSON.parse(JSON.stringify(p)), p, "the profile is plain JSON");
});

test("hand-worked string column: top values, distinct, missing; constant and high-missing warnings", () => {
  const t = new Table([
    str("s", ["x", "y", "x", null, "z", "x", "y", null]),
    num("k", [7, 7, 7, 7, 7, 7, 7, 7]),
    num("m", [1, null, null, null, null, null, 2, 3]),
  ]);
  const p = profileTable(t, { topK: 2 });
  const s = p.columns[0];
  assert.deepEqual([s.count, s.missing, s.distinct, s.missingPct], [6, 2, 3, 25]);
  assert.deepEqual(s.top, [{ value: "x", count: 3 }, { value: "y", count: 2 }]);
  assert.equal(s.summary, null);
  assert.equal(s.histogram, null);
  const k = p.columns[1];
  assert.deepEqual(k.summary, { mean: 7, std: 0, min: 7, q25: 7, q50: 7, q75: 7, max: 7 });
  assert.deepEqual(k.histogram?.counts, [0, 0, 0, 0, 0, 8, 0, 0, 0, 0], "constant column: numpy's [v-0.5, v+0.5] range, value in the middle bin");
  assert.deepEqual(
    p.warnings.map((w) => [w.kind, w.columns]),
    [
      ["constant", ["k"]],
      ["highMissing", ["m"]],
    ],
  );
  // hand-worked: m = [1, 2, 3]: mean 2, sample std 1, median 2
  assert.deepEqual(p.columns[2].summary, { mean: 2, std: 1, min: 1, q25: 1.5, q50: 2, q75: 2.5, max: 3 });
});

test("target balance, leakage (1:1 mapping and |r| ≈ 1) and high correlation warnings", () => {
  const y = [0, 1, 0, 1, 1, 0, 1, 1];
  const t = new Table([
    num("x1", [0.3, -1.2, 2.5, 0.1, -0.7, 1.9, 0.4, -2.2]),
    num("x2", [0.31, -1.19, 2.52, 0.09, -0.71, 1.91, 0.42, -2.18]), // ≈ x1
    str("code", ["no", "yes", "no", "yes", "yes", "no", "yes", "yes"]), // a renamed target
    num("leak", y.map((v) => 10 * v + 5)), // linear in the target
    str("id", ["a", "b", "c", "d", "e", "f", "g", "h"]), // unique per row: not leakage
    num("y", y),
  ]);
  const p = profileTable(t, { target: "y" });
  assert.deepEqual(p.target, {
    column: "y",
    balance: [
      { value: "1", count: 5, fraction: 5 / 8 },
      { value: "0", count: 3, fraction: 3 / 8 },
    ],
  });
  const kinds = p.warnings.map((w) => `${w.kind}:${w.columns.join(",")}`).sort();
  assert.deepEqual(kinds, ["highCorrelation:x1,x2", "leakage:code,y", "leakage:leak,y"]);
  const text = formatProfile(p);
  assert.match(text, /^8 rows × 6 columns/);
  assert.match(text, /\[leakage\] column "code" determines the target/);
  assert.match(text, /target "y":\n {2}1: 5 \(62\.5%\)/);
  assert.equal(text.split("\n").filter((l) => /^(x1|x2|code|leak|id|y) /.test(l)).length, 6, "one line per column");
});

test("profileTable rejects an unknown target and bad options", () => {
  const t = new Table([num("a", [1, 2])]);
  assert.throws(() => profileTable(t, { target: "nope" }), /target "nope" is not a column \(columns: a\)/);
  assert.throws(() => profileTable(t, { bins: 0 }), /bins must be a positive integer/);
});
