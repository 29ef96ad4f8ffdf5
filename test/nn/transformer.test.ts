import assert from "node:assert/strict";
import { liveTensors, manualSeed, noGrad, randn, tensor, type Tensor } from "../../src/index.js";
import { LayerNorm, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer, type AnyModule } from "../../src/nn/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";
import { assertConfigRoundTrip, extra, runSeqCase } from "./seq-helpers.js";

type Enc = { forward(src: Tensor, opts?: object): Tensor };
type Dec = { forward(tgt: Tensor, memory: Tensor, opts?: object): Tensor };

for (const nf of [false, true]) {
  backendTest(`TransformerEncoderLayer (normFirst ${nf}, ${nf ? "gelu" : "relu"}) matches PyTorch in eval mode, with a padding mask`, () => {
    runSeqCase("transformer", `encoder_layer_normfirst_${nf}`, "eval", (m, xs, c) =>
      [(m as unknown as Enc).forward(xs.src, { srcKeyPaddingMask: extra(c, "srcKeyPaddingMask") })], 2e-4, 5e-5);
  });
  backendTest(`TransformerDecoderLayer (normFirst ${nf}) matches PyTorch in eval mode, with causal and memory padding masks`, () => {
    runSeqCase("transformer", `decoder_layer_normfirst_${nf}`, "eval", (m, xs, c) =>
      [(m as unknown as Dec).forward(xs.tgt, xs.memory, { tgtMask: extra(c, "tgtMask"), memoryKeyPaddingMask: extra(c, "memoryKeyPaddingMask") })], 2e-4, 5e-5);
    // the causal flag instead of the explicit mask gives the same numbers
    runSeqCase("transformer", `decoder_layer_normfirst_${nf}`, "eval", (m, xs, c) =>
      [(m as unknown as Dec).forward(xs.tgt, xs.memory, { tgtIsCausal: true, memoryKeyPaddingMask: extra(c, "memoryKeyPaddingMask") })], 2e-4, 5e-5);
  });
}

backendTest("TransformerEncoder (2 pre-norm layers + final LayerNorm) matches PyTorch", () => {
  runSeqCase("transformer", "encoder_stack_norm", "eval", (m, xs, c) => [(m as unknown as Enc).forward(xs.src, { srcKeyPaddingMask: extra(c, "srcKeyPaddingMask") })], 2e-4, 5e-5);
});

backendTest("TransformerDecoder (2 post-norm layers) matches PyTorch", () => {
  runSeqCase("transformer", "decoder_stack", "eval", (m, xs, c) => [(m as unknown as Dec).forward(xs.tgt, xs.memory, { tgtMask: extra(c, "tgtMask") })], 2e-4, 5e-5);
});

backendTest("stacks built from a layer start as copies of it (separate tensors); dropout is active only in training", () => {
  manualSeed(41);
  const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
  const enc = new TransformerEncoder(layer, 3);
  assert.deepEqual(Object.keys(enc.stateDict()).slice(0, 2), ["layers.0.selfAttn.inProjWeight", "layers.0.selfAttn.inProjBias"]);
  for (let i = 0; i < 3; i++) {
    const li = enc.layers.at(i);
    assert.notEqual(li, layer);
    assertClose(li.linear1.weight, layer.linear1.weight, 0, 0, `layer ${i} starts as a copy`);
    assert.notEqual(li.linear1.weight, layer.linear1.weight);
  }
  const x = randn([2, 5, 8]);
  noGrad(() => {
    enc.eval();
    const a = enc.forward(x);
    assertClose(enc.forward(x), a, 0, 0, "eval is deterministic");
    enc.train();
    const b = enc.forward(x);
    const diff = Math.max(...[...a.dataSync()].map((v, i) => Math.abs(v - b.dataSync()[i])));
    assert.ok(diff > 1e-3, "training mode applies dropout");
  });
  const fresh = new TransformerEncoder(layer.getConfig(), 2);
  const d = Math.max(...[...fresh.layers.at(0).linear1.weight.dataSync()].map((v, i) => Math.abs(v - fresh.layers.at(1).linear1.weight.dataSync()[i])));
  assert.ok(d > 0, "layers built from a config are initialised independently");
});

backendTest("transformer layers free their intermediates under noGrad", () => {
  manualSeed(42);
  const dec = new TransformerDecoder(new TransformerDecoderLayer(8, 2, { dimFeedforward: 8, normFirst: true }), 2, { norm: new LayerNorm(8) }).eval();
  const tgt = randn([3, 2, 8]);
  const mem = randn([4, 2, 8]);
  const before = liveTensors();
  const y = noGrad(() => dec.forward(tgt, mem, { tgtIsCausal: true, memoryKeyPaddingMask: tensor([[0, 0, 0, 1], [0, 0, 0, 0]], { dtype: "bool" }) }));
  // the mask created in the call is the caller's and survives; everything else but y is freed
  assert.equal(liveTensors(), before + 2);
  assert.deepEqual([...y.shape], [3, 2, 8]);
});

backendTest("transformer layers and stacks survive config → JSON → rebuild → loadStateDict", () => {
  manualSeed(43);
  const src = randn([4, 2, 8]);
  const mem = randn([5, 2, 8]);
  const cases: [AnyModule, (m: AnyModule) => Tensor][] = [
    [new TransformerEncoderLayer(8, 4, { dimFeedforward: 6, activation: "gelu", layerNormEps: 1e-6, normFirst: true }) as unknown as AnyModule, (m) => (m as unknown as Enc).forward(src, { isCausal: true })],
    [new TransformerDecoderLayer(8, 2, { dimFeedforward: 5, dropout: 0.2 }) as unknown as AnyModule, (m) => (m as unknown as Dec).forward(src, mem)],
    [new TransformerEncoder(new TransformerEncoderLayer(8, 2, { dimFeedforward: 4 }), 2, { norm: new LayerNorm(8, { eps: 1e-3 }) }) as unknown as AnyModule, (m) => (m as unknown as Enc).forward(src)],
    [new TransformerDecoder(new TransformerDecoderLayer(8, 2, { dimFeedforward: 4, activation: "gelu" }), 3) as unknown as AnyModule, (m) => (m as unknown as Dec).forward(src, mem, { tgtIsCausal: true })],
  ];
  for (const [orig, run] of cases) {
    assertConfigRoundTrip(orig, run);
  }
});

backendTest("transformer layers name the layer and the shapes on bad input", () => {
  const enc = new TransformerEncoderLayer(8, 2, { dimFeedforward: 4 });
  assert.throws(() => enc.forward(randn([3, 2, 6])), { message: "TransformerEncoderLayer(dModel=8, nhead=2): src must be [seq, batch, 8], [batch, seq, 8] (batchFirst) or [seq, 8], got [3,2,6]" });
  const dec = new TransformerDecoderLayer(8, 2, { dimFeedforward: 4 });
  assert.throws(() => dec.forward(randn([3, 2, 8]), randn([3, 8])), /TransformerDecoderLayer\(dModel=8, nhead=2\): tgt \[3,2,8\] and memory \[3,8\] must both be batched or both unbatched/);
  assert.throws(() => dec.forward(randn([3, 2, 8]), randn([4, 3, 8])), /MultiheadAttention\(embedDim=8, numHeads=2\): query \[3,2,8\], key \[4,3,8\] and value \[4,3,8\] must share the batch size/);
  assert.throws(() => new TransformerEncoderLayer(8, 3), /MultiheadAttention: embedDim 8 must be divisible by numHeads 3/);
  assert.throws(() => new TransformerEncoderLayer(8, 2, { activation: "tanh" as "relu" }), /TransformerEncoderLayer: activation must be "relu" or "gelu", got "tanh"/);
  assert.throws(() => new TransformerEncoder(dec.getConfig(), 2), /TransformerEncoder: layer must be a TransformerEncoderLayer \(or its config\), got TransformerDecoderLayer/);
  assert.throws(() => new TransformerDecoder(dec, 0), /TransformerDecoder: numLayers must be an integer >= 1, got 0/);
});
