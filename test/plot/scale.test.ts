import assert from "node:assert/strict";
import { test } from "node:test";
import { linearScale, logScale, niceStep } from "../../src/plot/scale.js";

test("linear scales cover the data with round ticks and at most one step of slack each side", () => {
  for (const [lo, hi] of [[0, 122], [-3.7, 0.2], [0.0012, 0.0049], [1394, 1552], [5, 5], [-1e6, 3e7]]) {
    const s = linearScale(lo, hi, [0, 500], 6);
    assert.ok(s.domain[0] <= lo && s.domain[1] >= hi, `[${lo}, ${hi}] in ${s.domain}`);
    if (lo !== hi) assert.ok(lo - s.domain[0] < s.step + 1e-12 && s.domain[1] - hi < s.step + 1e-12, `slack of ${s.domain} around [${lo}, ${hi}]`);
    const mantissa = s.step / 10 ** Math.floor(Math.log10(s.step));
    assert.ok([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9), `step ${s.step}`);
    assert.ok(s.ticks.length >= 2 && s.ticks.length <= 13, `${s.ticks.length} ticks`);
    assert.equal(s.map(s.domain[0]), 0);
    assert.equal(s.map(s.domain[1]), 500);
  }
  assert.equal(niceStep(122, 6), 20);
});

test("log scales span whole decades around positive data", () => {
  const s = logScale(0.003, 0.5, [400, 0]);
  assert.deepEqual(s.domain.map((v) => Math.round(Math.log10(v))), [-3, 0]);
  assert.equal(s.ticks.length, 4);
  assert.ok(Math.abs(s.map(0.01) - 400 * (2 / 3)) < 1e-9);
});
