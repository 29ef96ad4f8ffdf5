// The native cpu backend's Philox kernel must give the JS reference's words exactly, for any key,
// counter (past 2^32 too) and length, so a seed means the same masks and weights on every backend.
import assert from "node:assert/strict";
import { test } from "node:test";
import { availableBackends } from "../../src/backends/registry.js";
import { Generator, philoxFillJs, setPhiloxKernel } from "../../src/tensor/random.js";

test("native Philox equals the JS reference word for word, and Generator draws equal either way", (t) => {
  if (!availableBackends().includes("cpu")) {
    if (process.env.CI) assert.fail("the native cpu backend did not load in CI");
    return t.skip("native cpu backend not built");
  }
  // loading the cpu backend installed its kernel
  const native = setPhiloxKernel(null);
  setPhiloxKernel(native);
  assert.notEqual(native, philoxFillJs, "the cpu backend installed no Philox kernel");
  for (const [k0, k1, counter, n] of [
    [0, 0, 0, 4096], [0xffffffff, 0xffffffff, 2 ** 32 - 3, 1030], [0xa4093822, 0x299f31d0, 2 ** 40 + 7, 257], [123, 0, 5, 100_003],
  ]) {
    const js = new Uint32Array(n);
    philoxFillJs(js, k0, k1, counter);
    const fast = new Uint32Array(n);
    native(fast, k0, k1, counter);
    assert.deepEqual(fast, js, `key ${k0},${k1} counter ${counter} n ${n}`);
  }
  const g = new Generator(7);
  const drawn = g.uniform(50_000);
  assert.deepEqual(g.getState(), [7, 0, 12_500]);
  setPhiloxKernel(null);
  try {
    assert.deepEqual(new Generator(7).uniform(50_000), drawn, "the JS reference draws the same numbers");
  } finally {
    setPhiloxKernel(native);
  }
});
