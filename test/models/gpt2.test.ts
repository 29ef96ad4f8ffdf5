// GPT-2: logits and gradients against PyTorch on a tiny model, KV-cache decoding against the full
// forward pass, generation, config round trip, and that it learns a pattern.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { AdamW, GPT2, KVCache, crossEntropy, generate, manualSeed, moduleFromConfig, narrow, noGrad, reshape, scope, tensor, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers/gradcheck.js";
import { backendTest } from "../helpers/backends.js";

interface Fixture {
  config: { vocabSize: number; nPositions: number; nEmbd: number; nLayer: number; nHead: number };
  params: Record<string, { shape: number[]; data: number[] }>;
  grads: Record<string, number[]>;
  idx: number[][];
  logits: number[];
  loss: number;
}
const fx = JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/gpt2-tiny.json"), "utf8")) as Fixture;

function fixtureModel(): GPT2 {
  const m = new GPT2(fx.config);
  m.loadStateDict(Object.fromEntries(Object.entries(fx.params).map(([k, p]) => [k, tensor(p.data, { shape: p.shape })])));
  return m;
}

backendTest("GPT2 logits, loss and every gradient match PyTorch", () => {
  const m = fixtureModel();
  const idx = tensor(Int32Array.from(fx.idx.flat()), { shape: [2, 6] });
  const logits = m.call(idx);
  assertClose(logits, fx.logits, 1e-4, 1e-5, "logits");
  const v = fx.config.vocabSize;
  const inputs = reshape(narrow(logits, 1, 0, 5), [10, v]);
  const targets = reshape(narrow(idx, 1, 1, 5), [10]);
  const loss = crossEntropy(inputs, targets);
  assert.ok(Math.abs(loss.item() - fx.loss) < 1e-5, `loss ${loss.item()} vs ${fx.loss}`);
  loss.backward();
  for (const [name, p] of m.namedParameters()) assertClose(p.grad as Tensor, fx.grads[name], 1e-3, 1e-5, `grad of ${name}`);
});

backendTest("decoding with a KV cache gives the logits of the full forward pass", () => {
  const m = fixtureModel().eval();
  const ids = fx.idx[0];
  noGrad(() => scope(() => {
    const full = m.call(tensor(Int32Array.from(ids), { shape: [1, 6] }));
    using cache = new KVCache(fx.config.nLayer, 1, fx.config.nHead, 8, fx.config.nEmbd / fx.config.nHead);
    const first = m.call(tensor(Int32Array.from(ids.slice(0, 3)), { shape: [1, 3] }), cache); // prompt
    assertClose(first, narrow(full, 1, 0, 3), 1e-5, 1e-6, "prompt logits");
    for (let t = 3; t < 6; t++) {
      const step = m.call(tensor(Int32Array.of(ids[t]), { shape: [1, 1] }), cache);
      assertClose(step, narrow(full, 1, t, 1), 1e-5, 1e-6, `logits at position ${t}`);
    }
    assert.equal(cache.length, 6);
    assert.throws(() => m.call(tensor(Int32Array.of(1, 2), { shape: [1, 2] }), cache), /one new token at a time/);
  }));
});

test("GPT2 rebuilds from its JSON config and rejects bad configs", () => {
  const m = fixtureModel();
  const again = moduleFromConfig<GPT2>(JSON.parse(JSON.stringify(m.getConfig())));
  again.loadStateDict(m.stateDict());
  const idx = tensor(Int32Array.from(fx.idx.flat()), { shape: [2, 6] });
  assertClose(again.call(idx), m.call(idx), 0, 0, "rebuilt logits");
  assert.throws(() => new GPT2({ ...fx.config, nHead: 3 }), /not divisible/);
  assert.throws(() => m.call(tensor([[1, 2]])), /int32 token ids/);
  assert.throws(() => m.call(tensor(new Int32Array(9), { shape: [1, 9] })), /exceed the context of 8/);
});

test("GPT2 learns to continue a repeating sequence, and greedy generation reproduces it", () => {
  manualSeed(3);
  const cfg = { vocabSize: 7, nPositions: 16, nEmbd: 32, nLayer: 2, nHead: 4 };
  const m = new GPT2(cfg);
  const opt = new AdamW(m.parameters(), { lr: 3e-3, weightDecay: 0 });
  const seq = Array.from({ length: 16 }, (_, i) => [0, 3, 1, 4, 1, 5][i % 6]);
  const x = tensor(Int32Array.from(seq.slice(0, 15)), { shape: [1, 15] });
  const y = tensor(Int32Array.from(seq.slice(1)), { shape: [15] });
  let loss = Infinity;
  for (let step = 0; step < 150; step++) {
    loss = scope(() => {
      opt.zeroGrad();
      const l = crossEntropy(reshape(m.call(x), [15, cfg.vocabSize]), y);
      l.backward();
      opt.step();
      return l.item();
    });
  }
  assert.ok(loss < 0.05, `loss after 150 steps: ${loss}`);
  const out = generate(m, tensor(Int32Array.from(seq.slice(0, 4)), { shape: [1, 4] }), { maxNewTokens: 8 });
  assert.deepEqual([...out[0]], seq.slice(4, 12));
  const sampled = generate(m, tensor(Int32Array.from(seq.slice(0, 4)), { shape: [1, 4] }), { maxNewTokens: 4, temperature: 0.5, topK: 2 });
  assert.equal(sampled[0].length, 4);
  for (const v of sampled[0]) assert.ok(v >= 0 && v < cfg.vocabSize);
});
