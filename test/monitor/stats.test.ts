import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { binIndex, kolmogorovSurvival, ksTwoSample, psi, PSI_EPSILON, } from "../../src/monitor/index.js";

interface Fixture {
  epsilon: number;
  ks: { name: string; a: number[]; b: number[]; statistic: number; p_value: number }[];
  psi: { name: string; expected: number[]; actual: number[]; psi: number }[];
  kolmogorov: { x: number; sf: number }[];
}

const fx = JSON.parse(readFileSync(resolve(import.meta.dirname, "../fixtures/monitor-stats.json"), "utf8")) as Fixture;

function close(actual: number, expected: number, rel: number, what: string): void {
  const tol = rel * Math.max(Math.abs(expected), 1e-300);
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs scipy ${expected}`);
}

test("ksTwoSample matches scipy's ks_2samp statistic and the asymptotic Kolmogorov p-value", () => {
  assert.ok(fx.ks.length >= 6);
  for (const c of fx.ks) {
    const r = ksTwoSample(c.a, c.b);
    close(r.statistic, c.statistic, 1e-12, `${c.name} statistic`);
    close(r.pValue, c.p_value, 1e-9, `${c.name} p-value`);
    // the test is symmetric in its samples
    assert.equal(ksTwoSample(c.b, c.a).statistic, r.statistic);
  }
});

test("kolmogorovSurvival matches scipy's kstwobign.sf on both sides of the series switch", () => {
  for (const { x, sf } of fx.kolmogorov) close(kolmogorovSurvival(x), sf, 1e-9, `Q(${x})`);
  assert.equal(kolmogorovSurvival(0), 1);
});

test("psi matches the definition computed with numpy, with the documented epsilon for empty bins", () => {
  assert.equal(PSI_EPSILON, fx.epsilon);
  for (const c of fx.psi) close(psi(c.expected, c.actual), c.psi, 1e-9, c.name);
  assert.equal(psi([1, 2, 3], [2, 4, 6]), 0);
});

test("psi and ksTwoSample name bad input", () => {
  assert.throws(() => psi([1, 2], [1, 2, 3]), /same bins, got 2 and 3/);
  assert.throws(() => psi([0, 0], [1, 2]), /expected counts are all 0/);
  assert.throws(() => psi([1, -1], [1, 2]), /expected counts\[1\] must be a count ≥ 0, got -1/);
  assert.throws(() => ksTwoSample([NaN], [1, 2]), /sample a has no finite values/);
  // non-finite values are ignored, not treated as extremes
  assert.deepEqual(ksTwoSample([1, 2, 3, NaN], [1, 2, 3]), { statistic: 0, pValue: 1 });
});

test("binIndex puts x ≤ edge in the lower bin", () => {
  const edges = [1, 2, 5];
  assert.deepEqual([0, 1, 1.5, 2, 3, 5, 6].map((x) => binIndex(edges, x)), [0, 0, 1, 1, 2, 2, 3]);
});
