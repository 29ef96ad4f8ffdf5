// Every layer type survives the whole save path: getConfig → config.json, stateDict → model.safetensors,
// then loadModelDir → moduleFromConfig → loadStateDict gives bit-identical outputs.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  GPT2, GRU, LSTM, MultiheadAttention, RotaryEmbedding, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer,
  loadModelDir, manualSeed, moduleFromConfig, type Module, noGrad, randint, randn, saveModelDir, type AnyModule, type Tensor,
} from "../../src/index.js";
import { samples } from "../nn/layer-samples.js";
import { assertClose } from "../helpers/gradcheck.js";

function sequenceSamples(): [AnyModule, () => Tensor[]][] {
  const m = (x: unknown): AnyModule => x as AnyModule;
  const seq = (): Tensor[] => [randn([2, 5, 8])];
  return [
    [m(new LSTM(8, 6, { numLayers: 2, bidirectional: true, batchFirst: true })), seq],
    [m(new GRU(8, 4, { batchFirst: true })), seq],
    [m(new MultiheadAttention(8, 2, { batchFirst: true })), () => { const x = randn([2, 5, 8]); return [x, x, x]; }],
    [m(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true, normFirst: true })), seq],
    [m(new TransformerDecoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true })), () => [randn([2, 5, 8]), randn([2, 3, 8])]],
    [m(new TransformerEncoder(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), 2)), seq],
    [m(new RotaryEmbedding(8)), () => [randn([1, 2, 5, 8])]],
    [m(new GPT2({ vocabSize: 13, nPositions: 8, nEmbd: 8, nLayer: 2, nHead: 2 })), () => [randint(0, 13, [2, 6], { dtype: "int32" })]],
  ];
}

// outputs of any layer: a tensor, or arrays/tuples of them (RNNs return [output, state])
function flatten(out: unknown): Tensor[] {
  if (Array.isArray(out)) return out.flatMap(flatten);
  return out && typeof out === "object" && "shape" in out ? [out as Tensor] : [];
}

test("every layer type round-trips through a model directory (config.json + model.safetensors)", async () => {
  manualSeed(11);
  const dir = mkdtempSync(join(tmpdir(), "ingot-layers-"));
  try {
    let i = 0;
    for (const [orig, makeInputs] of [...samples(), ...sequenceSamples()]) {
      const path = join(dir, `m${i++}`);
      const type = String(orig.getConfig().type);
      orig.eval();
      await saveModelDir(path, { architecture: orig.getConfig(), stateDict: orig.stateDict() });
      const { config, stateDict } = await loadModelDir(path);
      const again = moduleFromConfig<AnyModule>(config.architecture as Parameters<typeof moduleFromConfig>[0]);
      again.loadStateDict(stateDict);
      again.eval();
      const inputs = makeInputs();
      if (inputs.length === 0) continue; // containers without a forward
      const run = (mod: AnyModule): unknown => noGrad(() => (mod as unknown as Module<Tensor[], unknown>).forward(...inputs));
      const want = flatten(run(orig));
      const got = flatten(run(again));
      assert.equal(got.length, want.length, `${type}: number of outputs`);
      got.forEach((g, k) => assertClose(g, want[k], 0, 0, `${type} output ${k}`));
    }
    assert.ok(i > 40, `only ${i} layer types were tried`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
