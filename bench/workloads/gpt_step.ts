import { Generator, add, chunk, crossEntropy, embedding, gelu, layerNorm, linear, randint, reshape, scaledDotProductAttention, scope, tensor, transpose, type Tensor } from "../../src/index.js";
import { ADAMW, Model } from "./model.js";
import type { Config, Instance, WorkloadDef } from "./types.js";

/**
 * A small GPT: token + learned positional embedding, pre-LayerNorm decoder blocks with causal
 * attention (fused qkv projection) and a 4x GELU MLP, final LayerNorm, separate (untied) head,
 * next-token cross-entropy, backward, AdamW.
 */
export const gptStep: WorkloadDef = {
  name: "gpt_step",
  description: "GPT 2 blocks, d 128, 4 heads, seq 64, batch 16, vocab 256, pre-LN, causal SDPA, GELU MLP 4x; CE; backward; AdamW",
  target: 1.0,
  config: (tiny) => (tiny ? { layers: 2, d: 16, heads: 2, seq: 8, batch: 2, vocab: 13 } : { layers: 2, d: 128, heads: 4, seq: 64, batch: 16, vocab: 256 }),
  flops: (c) => {
    const bt = c.batch * c.seq;
    const perLayer = 2 * bt * c.d * 3 * c.d + 2 * 2 * c.batch * c.seq * c.seq * c.d + 2 * bt * c.d * c.d + 2 * 2 * bt * c.d * 4 * c.d;
    return 3 * (c.layers * perLayer + 2 * bt * c.d * c.vocab);
  },
  create(c: Config, seed: number): Instance {
    const gen = new Generator(seed);
    const model = new Model(gen, ADAMW);
    const { d, heads: nh, seq: T, batch: B, vocab: V } = c;
    const hd = d / nh;
    const wte = model.normal("wte.weight", [V, d], 0.02);
    const wpe = model.normal("wpe", [T, d], 0.02);
    const blocks = Array.from({ length: c.layers }, (_, i) => ({
      ln1: model.layerNorm(`blocks.${i}.ln1`, d),
      qkv: model.linear(`blocks.${i}.qkv`, d, 3 * d),
      proj: model.linear(`blocks.${i}.proj`, d, d),
      ln2: model.layerNorm(`blocks.${i}.ln2`, d),
      fc1: model.linear(`blocks.${i}.fc1`, d, 4 * d),
      fc2: model.linear(`blocks.${i}.fc2`, 4 * d, d),
    }));
    const lnf = model.layerNorm("lnf", d);
    const head = model.linear("head", d, V, false);
    // a random token stream; inputs are tokens [0, T), targets the next tokens [1, T+1)
    const stream = randint(0, V, [B, T + 1], { generator: gen }).dataSync();
    const xs = new Int32Array(B * T);
    const ys = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        xs[b * T + t] = stream[b * (T + 1) + t];
        ys[b * T + t] = stream[b * (T + 1) + t + 1];
      }
    }
    const idx = tensor(xs, { shape: [B, T] });
    const targets = tensor(ys, { shape: [B * T] });
    const heads = (t: Tensor): Tensor => transpose(reshape(t, [B, T, nh, hd]), 1, 2); // [B, nh, T, hd]
    return {
      config: c,
      model,
      inputs: { idx, targets },
      step: () => scope(() => {
        let x = add(embedding(idx, wte), wpe);
        for (const blk of blocks) {
          const h = layerNorm(x, [d], blk.ln1.w, blk.ln1.b, 1e-5);
          const [q, k, v] = chunk(linear(h, blk.qkv.w, blk.qkv.b), 3, 2);
          const att = scaledDotProductAttention(heads(q), heads(k), heads(v), { isCausal: true });
          const merged = reshape(transpose(att, 1, 2), [B, T, d]);
          x = add(x, linear(merged, blk.proj.w, blk.proj.b));
          const h2 = layerNorm(x, [d], blk.ln2.w, blk.ln2.b, 1e-5);
          x = add(x, linear(gelu(linear(h2, blk.fc1.w, blk.fc1.b)), blk.fc2.w, blk.fc2.b));
        }
        const logits = linear(layerNorm(x, [d], lnf.w, lnf.b, 1e-5), head.w, head.b);
        const loss = crossEntropy(reshape(logits, [B * T, V]), targets);
        loss.backward();
        model.adam();
        return loss.item();
      }),
    };
  },
};
