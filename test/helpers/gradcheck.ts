import assert from "node:assert/strict";
import { Generator, noGrad, tensor, type Tensor } from "../../src/index.js";

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed for the random output weighting. */
  seed?: number;
}

/**
 * Checks autograd against central finite differences. The output is reduced with fixed random
 * weights (so every output element matters), the objective is summed in float64, and each input
 * element is perturbed by ±eps.
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  const eps = opts.eps ?? 1e-2;
  const atol = opts.atol ?? 2e-2;
  const rtol = opts.rtol ?? 2e-2;
  const leaves = inputs.map((x) => (x.dtype === "float32" ? x.detach().requiresGrad_(true) : x));
  const out = fn(...leaves);
  const weights = new Generator(opts.seed ?? 7).normal(out.size);
  const w = tensor(weights, { shape: out.shape });
  out.mul(w).sum().backward();

  const objective = (xs: Tensor[]): number => {
    const y = noGrad(() => fn(...xs)).dataSync();
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * weights[i];
    return s;
  };

  leaves.forEach((x, which) => {
    if (x.dtype !== "float32") return;
    assert.ok(x.grad, `input ${which} received no gradient`);
    const analytic = x.grad.dataSync();
    const base = x.dataSync() as Float32Array;
    for (let i = 0; i < base.length; i++) {
      const plus = Float32Array.from(base);
      plus[i] += eps;
      const minus = Float32Array.from(base);
      minus[i] -= eps;
      const xs = (v: Float32Array): Tensor[] => leaves.map((l, j) => (j === which ? tensor(v, { shape: x.shape }) : l.detach()));
      const numeric = (objective(xs(plus)) - objective(xs(minus))) / (2 * eps);
      const err = Math.abs(numeric - analytic[i]);
      assert.ok(
        err <= atol + rtol * Math.abs(numeric),
        `gradient mismatch for input ${which} ${JSON.stringify(x.shape)} at flat index ${i}: analytic ${analytic[i]}, numeric ${numeric}`,
      );
    }
  });
}

/** Asserts two tensors (or arrays) agree elementwise within atol + rtol·|expected|. */
export function assertClose(actual: Tensor | ArrayLike<number>, expected: Tensor | ArrayLike<number>, rtol = 1e-5, atol = 1e-6, what = "tensor"): void {
  const a = "dataSync" in actual ? actual.dataSync() : actual;
  const e = "dataSync" in expected ? expected.dataSync() : expected;
  assert.equal(a.length, e.length, `${what}: length ${a.length} != ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const ok = Object.is(a[i], e[i]) || Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
    if (!ok) assert.fail(`${what}: element ${i}: ${a[i]} vs expected ${e[i]}`);
  }
}
