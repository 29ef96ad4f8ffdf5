// Fused (flash) attention against the GEMM path it replaces, on every host backend: same outputs and
// gradients over causal, non-causal, lq ≠ lk and packed layouts; finite-difference gradients; no
// overflow on large scores; and the switch that turns it off.
import assert from "node:assert/strict";
import { causalSelfAttention, enableFlashSdp, flashSdpEnabled, liveTensors, noGrad, randn, scaledDotProductAttention, scope, tensor, type Tensor } from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

function withFlash<T>(on: boolean, fn: () => T): T {
  const was = flashSdpEnabled();
  enableFlashSdp(on);
  try {
    return fn();
  } finally {
    enableFlashSdp(was);
  }
}

/** Output and input gradients of `fn` under a fixed random output weighting. */
function forwardBackward(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): Float32Array[] {
  const leaves = inputs.map((x) => x.detach().requiresGrad_(true));
  const y = fn(...leaves);
  y.mul(tensor(weights(y.size), { shape: y.shape })).sum().backward();
  return [y.dataSync() as Float32Array, ...leaves.map((l) => l.grad?.dataSync() as Float32Array)];
}

function weights(n: number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = Math.sin(i * 1.7) + 0.3;
  return w;
}

/** Counts calls to the current backend's flashAttention while fn runs. */
function countFlashCalls(x: Tensor, fn: () => void): number {
  const be = x.backend;
  const original = be.flashAttention;
  if (!original) return 0;
  let calls = 0;
  be.flashAttention = (...args) => {
    calls++;
    return original.apply(be, args);
  };
  try {
    fn();
  } finally {
    be.flashAttention = original;
  }
  return calls;
}

const cases: { name: string; q: number[]; k: number[]; causal: boolean; scale?: number }[] = [
  { name: "causal square", q: [2, 3, 9, 8], k: [2, 3, 9, 8], causal: true },
  { name: "causal lq > lk", q: [2, 7, 5], k: [2, 4, 5], causal: true },
  { name: "causal lq < lk", q: [3, 4, 6], k: [3, 9, 6], causal: true },
  { name: "full lq ≠ lk", q: [2, 2, 5, 3], k: [2, 2, 11, 3], causal: false, scale: 0.8 },
  { name: "one key", q: [4, 1], k: [1, 1], causal: false },
];

for (const c of cases) {
  backendTest(`flash attention equals the GEMM path: ${c.name}`, () => {
    const inputs = [randn(c.q), randn(c.k), randn(c.k)];
    const fn = (q: Tensor, k: Tensor, v: Tensor): Tensor => scaledDotProductAttention(q, k, v, { isCausal: c.causal, scale: c.scale });
    assert.ok(countFlashCalls(inputs[0], () => withFlash(true, () => fn(inputs[0], inputs[1], inputs[2]))) > 0 || !inputs[0].backend.flashAttention);
    assert.equal(countFlashCalls(inputs[0], () => withFlash(false, () => fn(inputs[0], inputs[1], inputs[2]))), 0);
    const flash = withFlash(true, () => forwardBackward(fn, inputs));
    const gemm = withFlash(false, () => forwardBackward(fn, inputs));
    for (let i = 0; i < gemm.length; i++) assertClose(flash[i], gemm[i], 2e-5);
  });
}

backendTest("flash attention gradchecks (causal with lq ≠ lk, non-causal, packed qkv)", () => {
  withFlash(true, () => {
    gradcheck((q, k, v) => scaledDotProductAttention(q, k, v, { isCausal: true }), [randn([2, 5, 3]), randn([2, 3, 3]), randn([2, 3, 3])]);
    gradcheck((q, k, v) => scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.6 }), [randn([2, 3, 4]), randn([2, 6, 4]), randn([2, 6, 4])]);
    gradcheck((q, k, v) => scaledDotProductAttention(q, k, v), [randn([2, 2, 3, 4]), randn([2, 2, 5, 4]), randn([2, 2, 5, 4])]);
    gradcheck((qkv) => causalSelfAttention(qkv, 2), [randn([2, 5, 12])]);
  });
});

backendTest("packed causalSelfAttention takes the fused kernel and matches it with the kernel off", () => {
  const qkv = randn([3, 10, 24]);
  assert.ok(countFlashCalls(qkv, () => withFlash(true, () => causalSelfAttention(qkv, 4))) > 0 || !qkv.backend.flashAttention);
  const flash = withFlash(true, () => forwardBackward((x) => causalSelfAttention(x, 4), [qkv]));
  const gemm = withFlash(false, () => forwardBackward((x) => causalSelfAttention(x, 4), [qkv]));
  assertClose(flash[0], gemm[0], 2e-5);
  assertClose(flash[1], gemm[1], 2e-5);
});

backendTest("flash attention does not overflow on large scores", () => {
  // scores of ±900 would overflow exp() without the max subtraction: key 1 must win outright
  const q = tensor([[30, 0]]);
  const k = tensor([[-30, 0], [30, 0], [29, 0]]);
  const v = tensor([[1, 1], [2, -2], [5, 5]]);
  const out = withFlash(true, () => scaledDotProductAttention(q, k, v, { scale: 1 }));
  // weight of key 2 relative to key 1 is exp(870 − 900) ≈ 9e-14: invisible in float32
  assertClose(out, [2, -2], 1e-6);
  const causal = withFlash(true, () => scaledDotProductAttention(tensor([[30, 0], [30, 0]]), k.narrow(0, 0, 2), v.narrow(0, 0, 2), { scale: 1, isCausal: true }));
  assertClose(causal, [1, 1, 2, -2], 1e-6);
});

backendTest("flash attention leaves no tensors behind, with and without grad", () => {
  const [q, k, v] = [randn([2, 6, 4]), randn([2, 6, 4]), randn([2, 6, 4])];
  const before = liveTensors();
  withFlash(true, () => {
    noGrad(() => scope(() => void scaledDotProductAttention(q, k, v, { isCausal: true })));
    scope(() => {
      const leaves = [q, k, v].map((x) => x.detach().requiresGrad_(true));
      scaledDotProductAttention(leaves[0], leaves[1], leaves[2], { isCausal: true }).sum().backward();
      for (const l of leaves) l.grad?.dispose(); // gradients outlive scopes, as a training loop needs
    });
  });
  assert.equal(liveTensors(), before);
});
