import assert from "node:assert/strict";
import { cat, manualSeed, noGrad, randn, reshape, tensor, type Tensor } from "../../src/index.js";
import { moduleFromConfig, MultiheadAttention, type LayerConfig, type MultiheadAttentionForwardOptions } from "../../src/nn/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";
import { extra, gradcheckModuleWith, runSeqCase } from "./seq-helpers.js";

const mha = (m: unknown): MultiheadAttention => m as MultiheadAttention;
const pair = ([o, w]: [Tensor, Tensor | null]): Tensor[] => [o, w!];

backendTest("MultiheadAttention self-attention with key padding and causal masks matches PyTorch (averaged weights, gradients)", () => {
  runSeqCase("mha", "self_attention_masks_batchfirst", "eval", (m, xs, c) =>
    pair(mha(m).forward(xs.x, xs.x, xs.x, { keyPaddingMask: extra(c, "keyPaddingMask"), attnMask: extra(c, "attnMask") })));
});

backendTest("isCausal gives the same result as PyTorch's explicit causal mask", () => {
  runSeqCase("mha", "self_attention_masks_batchfirst", "eval", (m, xs, c) =>
    pair(mha(m).forward(xs.x, xs.x, xs.x, { keyPaddingMask: extra(c, "keyPaddingMask"), isCausal: true })));
});

backendTest("MultiheadAttention cross-attention with kdim/vdim (separate projections, per-head weights) matches PyTorch", () => {
  runSeqCase("mha", "cross_attention_kdim_vdim_seqfirst", "eval", (m, xs) => pair(mha(m).forward(xs.q, xs.k, xs.v, { averageAttnWeights: false })));
});

backendTest("needWeights false (the fused kernel) gives the same output and gradients as the explicit path", () => {
  manualSeed(31);
  const m = new MultiheadAttention(8, 2, { batchFirst: true });
  const x = randn([2, 4, 8]);
  const kpm = tensor([[0, 0, 0, 0], [0, 0, 1, 1]], { dtype: "bool" });
  const cases: MultiheadAttentionForwardOptions[] = [{}, { isCausal: true }, { keyPaddingMask: kpm, isCausal: true }, { attnMask: randn([4, 4]) }];
  for (const opts of cases) {
    const grads: Tensor[] = [];
    const outs: Tensor[] = [];
    for (const needWeights of [true, false]) {
      const xi = x.detach().requiresGrad_();
      const [o, w] = m.forward(xi, xi, xi, { ...opts, needWeights });
      assert.equal(w === null, !needWeights);
      o.mul(o).sum().backward();
      outs.push(o);
      grads.push(xi.grad!);
    }
    assertClose(outs[1], outs[0], 1e-5, 1e-6, `output ${JSON.stringify(Object.keys(opts))}`);
    assertClose(grads[1], grads[0], 1e-4, 1e-5, `input grad ${JSON.stringify(Object.keys(opts))}`);
  }
});

backendTest("MultiheadAttention gradchecks through query, key, value and every parameter", () => {
  manualSeed(32);
  const m = new MultiheadAttention(4, 2, { kdim: 3, vdim: 2 });
  const kpm = tensor([[0, 0, 1], [0, 0, 0]], { dtype: "bool" });
  const join = ([o, w]: [Tensor, Tensor | null]): Tensor => cat([reshape(o, [-1]), reshape(w!, [-1])]);
  gradcheckModuleWith(m, [randn([2, 2, 4]), randn([3, 2, 3]), randn([3, 2, 2])], (xs): [Tensor, Tensor, Tensor, MultiheadAttentionForwardOptions] => [xs[0], xs[1], xs[2], { keyPaddingMask: kpm }], join);
  const packed = new MultiheadAttention(4, 1, { bias: false, batchFirst: true });
  gradcheckModuleWith(packed, [randn([1, 3, 4])], (xs): [Tensor, Tensor, Tensor, MultiheadAttentionForwardOptions] => [xs[0], xs[0], xs[0], { isCausal: true, needWeights: false }], ([o]) => o);
});

backendTest("MultiheadAttention: hand-worked single head with identity projections", () => {
  const m = new MultiheadAttention(2, 1, { batchFirst: true });
  noGrad(() => {
    m.inProjWeight!.copy_(tensor([[1, 0], [0, 1], [1, 0], [0, 1], [1, 0], [0, 1]]));
    m.outProj.weight.copy_(tensor([[1, 0], [0, 1]]));
  });
  // q = k = v = x; scores x·xᵀ/√2; row 0: [1, 0]·[[1,0],[0,2]] → [1/√2, 0]
  const x = tensor([[[1, 0], [0, 2]]]);
  const [o, w] = noGrad(() => m.forward(x, x, x));
  const e0 = [Math.exp(1 / Math.SQRT2), 1];
  const e1 = [1, Math.exp(4 / Math.SQRT2)];
  const p0 = e0.map((v) => v / (e0[0] + e0[1]));
  const p1 = e1.map((v) => v / (e1[0] + e1[1]));
  assertClose(w!, [...p0, ...p1], 1e-5, 1e-6, "weights");
  assertClose(o, [p0[0], 2 * p0[1], p1[0], 2 * p1[1]], 1e-5, 1e-6, "output");
});

backendTest("unbatched input gives the batch-of-one result; dropout acts in training only", () => {
  manualSeed(33);
  const m = new MultiheadAttention(6, 3, { dropout: 0.5 });
  const q = randn([4, 6]);
  const kv = randn([5, 6]);
  noGrad(() => {
    m.eval();
    const [o, w] = m.forward(q, kv, kv, { keyPaddingMask: tensor([0, 0, 0, 1, 0], { dtype: "bool" }) });
    const [ob, wb] = m.forward(reshape(q, [4, 1, 6]), reshape(kv, [5, 1, 6]), reshape(kv, [5, 1, 6]), { keyPaddingMask: tensor([[0, 0, 0, 1, 0]], { dtype: "bool" }) });
    assert.deepEqual([...o.shape], [4, 6]);
    assert.deepEqual([...w!.shape], [4, 5]);
    assertClose(o, ob, 1e-6, 1e-7);
    assertClose(w!, wb!, 1e-6, 1e-7);
    for (let i = 0; i < 4; i++) assert.equal(w!.dataSync()[i * 5 + 3], 0, "padding key gets no weight");
    m.train();
    const [ot] = m.forward(q, kv, kv);
    const [oe] = m.eval().forward(q, kv, kv);
    const diff = Math.max(...[...ot.dataSync()].map((v, i) => Math.abs(v - oe.dataSync()[i])));
    assert.ok(diff > 1e-4, "training mode drops attention weights");
  });
});

backendTest("MultiheadAttention survives config → JSON → rebuild → loadStateDict (packed and separate projections)", () => {
  manualSeed(34);
  for (const orig of [new MultiheadAttention(6, 2, { batchFirst: true, dropout: 0.1 }), new MultiheadAttention(4, 4, { kdim: 2, vdim: 3, bias: false })]) {
    const config = orig.getConfig();
    const copy = moduleFromConfig<MultiheadAttention>(JSON.parse(JSON.stringify(config)) as LayerConfig);
    assert.deepEqual(copy.getConfig(), config);
    assert.deepEqual(Object.keys(copy.stateDict()), Object.keys(orig.stateDict()));
    copy.loadStateDict(orig.stateDict());
    orig.eval();
    copy.eval();
    const e = orig.embedDim;
    const q = orig.batchFirst ? randn([2, 3, e]) : randn([3, 2, e]);
    const k = orig.batchFirst ? randn([2, 5, orig.kdim]) : randn([5, 2, orig.kdim]);
    const v = orig.batchFirst ? randn([2, 5, orig.vdim]) : randn([5, 2, orig.vdim]);
    noGrad(() => {
      const [a, wa] = orig.forward(q, k, v);
      const [b, wb] = copy.forward(q, k, v);
      assertClose(b, a, 0, 0);
      assertClose(wb!, wa!, 0, 0);
    });
  }
  assert.deepEqual(Object.keys(new MultiheadAttention(4, 2).stateDict()), ["inProjWeight", "inProjBias", "outProj.weight", "outProj.bias"]);
});

backendTest("MultiheadAttention names the layer and the shapes on bad input", () => {
  const m = new MultiheadAttention(8, 2, { batchFirst: true });
  const x = randn([2, 4, 8]);
  const label = "MultiheadAttention(embedDim=8, numHeads=2)";
  assert.throws(() => m.forward(randn([2, 4, 6]), x, x), { message: `${label}: query [2,4,6] must have 3 dims (like query [2,4,6]) and 8 features` });
  assert.throws(() => m.forward(x, randn([3, 4, 8]), randn([3, 4, 8])), /must share the batch size, and key and value the sequence length/);
  assert.throws(() => m.forward(x, x, x, { keyPaddingMask: tensor([[0, 0, 0]], { dtype: "bool" }) }), /keyPaddingMask must be \[2,4\] \(batch, source length\), got \[1,3\]/);
  assert.throws(() => m.forward(x, x, x, { attnMask: randn([4, 5]) }), /attnMask must be \[4, 4\] or \[4, 4, 4\] \(batch·numHeads, target, source\), got \[4,5\]/);
  assert.throws(() => m.forward(x, x, x, { attnMask: tensor([[0, 1], [1, 0]], { dtype: "int32" }) }), /attnMask must be \[4, 4\]/);
  assert.throws(() => m.forward(x, x, x, { attnMask: randn([4, 4]), isCausal: true }), /pass either attnMask or isCausal, not both/);
  assert.throws(() => new MultiheadAttention(6, 4), /MultiheadAttention: embedDim 6 must be divisible by numHeads 4/);
});
