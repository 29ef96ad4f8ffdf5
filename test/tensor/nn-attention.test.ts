import assert from "node:assert/strict";
import { Generator, causalSelfAttention, chunk, liveTensors, noGrad, randn, reshape, scaledDotProductAttention, scope, tensor, transpose, type Tensor } from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

backendTest("scaledDotProductAttention matches hand-worked values", () => {
  // one key: every query returns v
  const v = tensor([[[2, -1]]]);
  assertClose(scaledDotProductAttention(randn([1, 3, 4]), randn([1, 1, 4]), v), [2, -1, 2, -1, 2, -1]);
  // equal scores average the values; a causal mask lets query 0 see key 0 only
  const q = tensor([[0, 0], [0, 0]]);
  const k = tensor([[1, 0], [0, 1]]);
  const vv = tensor([[1, 2], [3, 4]]);
  assertClose(scaledDotProductAttention(q, k, vv), [2, 3, 2, 3]);
  assertClose(scaledDotProductAttention(q, k, vv, { isCausal: true }), [1, 2, 2, 3]);
  assertClose(scaledDotProductAttention(q, k, vv, { attnMask: tensor([[false, true], [true, true]]) }), [3, 4, 2, 3]);
  // an additive mask of ln 3 on key 1 weights it 3:1
  assertClose(scaledDotProductAttention(q, k, vv, { attnMask: tensor([0, Math.log(3)]) }), [2.5, 3.5, 2.5, 3.5], 1e-5);
  // scale: q·k = 1 for key 0, 0 for key 1; with scale ln 2 the weights are 2:1
  const s = scaledDotProductAttention(tensor([[1, 0]]), k, vv, { scale: Math.log(2) });
  assertClose(s, [(2 * 1 + 3) / 3, (2 * 2 + 4) / 3], 1e-5);
});

backendTest("scaledDotProductAttention gradchecks q, k, v and a float mask", () => {
  gradcheck((q, k, v) => scaledDotProductAttention(q, k, v), [randn([2, 3, 4]), randn([2, 5, 4]), randn([2, 5, 3])]);
  gradcheck((q, k, v, m) => scaledDotProductAttention(q, k, v, { attnMask: m }), [randn([2, 2, 3, 4]), randn([2, 2, 5, 4]), randn([2, 2, 5, 2]), randn([3, 5])]);
  const bm = tensor([[true, false, true], [true, true, false]]);
  gradcheck((q, k, v) => scaledDotProductAttention(q, k, v, { attnMask: bm }), [randn([2, 4]), randn([3, 4]), randn([3, 2])]);
  gradcheck((q, k, v) => scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.7 }), [randn([2, 4, 3]), randn([2, 4, 3]), randn([2, 4, 2])]);
  gradcheck((q, k, v) => scaledDotProductAttention(q, k, v), [randn([2, 2, 3, 4]), randn([1, 2, 5, 4]), randn([2, 1, 5, 3])]);
});

backendTest("attention dropout is seeded and gradchecks with a fixed mask", () => {
  const [q, k, v] = [randn([2, 4, 3]), randn([2, 5, 3]), randn([2, 5, 2])];
  const a = scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new Generator(11) }).dataSync();
  const b = scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new Generator(11) }).dataSync();
  assert.deepEqual(a, b);
  const c = scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new Generator(12) }).dataSync();
  assert.notDeepEqual(a, c);
  // re-seeding on every call gives gradcheck the same mask each time
  gradcheck((x, y, z) => scaledDotProductAttention(x, y, z, { dropoutP: 0.3, generator: new Generator(5) }), [q, k, v]);
});

backendTest("attention without grad leaves no tensors behind", () => {
  const [q, k, v] = [randn([2, 4, 3]), randn([2, 5, 3]), randn([2, 5, 2])];
  const before = liveTensors();
  noGrad(() => scope(() => {
    scaledDotProductAttention(q, k, v, { isCausal: true, dropoutP: 0.1 });
  }));
  assert.equal(liveTensors(), before);
});

backendTest("scaledDotProductAttention rejects bad shapes with the op name", () => {
  assert.throws(() => scaledDotProductAttention(randn([2, 3, 4]), randn([2, 5, 3]), randn([2, 5, 3])), /scaledDotProductAttention: q \[2,3,4\], k \[2,5,3\], v \[2,5,3\]: need q and k to share d/);
  assert.throws(() => scaledDotProductAttention(randn([4]), randn([5, 4]), randn([5, 3])), /scaledDotProductAttention: expects q \[\.\.\., Lq, d\]/);
  assert.throws(() => scaledDotProductAttention(randn([3, 4]), randn([5, 4]), randn([5, 3]), { attnMask: randn([4, 5]) }), /attnMask \[4,5\]/);
  assert.throws(() => scaledDotProductAttention(randn([3, 4]), randn([5, 4]), randn([5, 3]), { attnMask: randn([3, 5]), isCausal: true }), /either attnMask or isCausal/);
  assert.throws(() => scaledDotProductAttention(randn([2, 3, 4]), randn([3, 5, 4]), randn([3, 5, 3])), /scaledDotProductAttention: .*cannot broadcast/);
});

backendTest("causalSelfAttention on a packed qkv equals split → causal SDPA → merge, and gradchecks", () => {
  const [B, T, d, nh] = [2, 5, 6, 3];
  const qkv = randn([B, T, 3 * d]).requiresGrad_();
  const [q, k, v] = chunk(qkv, 3, 2);
  const heads = (u: Tensor): Tensor => transpose(reshape(u, [B, T, nh, d / nh]), 1, 2);
  const want = reshape(transpose(scaledDotProductAttention(heads(q), heads(k), heads(v), { isCausal: true }), 1, 2), [B, T, d]);
  assertClose(causalSelfAttention(qkv, nh), want, 1e-6, 1e-7, "packed vs split");
  gradcheck((x) => causalSelfAttention(x, 2), [randn([1, 4, 3 * 4]).requiresGrad_()]);
  assert.throws(() => causalSelfAttention(randn([2, 5, 7]), 1), /packed qkv/);
  assert.throws(() => causalSelfAttention(randn([2, 5, 12]), 3), /not divisible into 3 heads/);
});
