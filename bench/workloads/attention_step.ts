import { Generator, randn, scaledDotProductAttention, scope, tensor } from "../../src/index.js";
import type { Config, Instance, WorkloadDef } from "./types.js";

/**
 * Causal self-attention alone, forward and backward, at the zoo GPT's shape: the fused kernel where the
 * backend has one (the scores are never stored), against PyTorch's scaled_dot_product_attention (or,
 * before torch 2.0, the explicit softmax(q·kᵀ + mask)·v).
 */
export const attentionStep: WorkloadDef = {
  name: "attention_step",
  description: "causal attention q,k,v [32, 4, 128, 32] forward + backward (scaledDotProductAttention, isCausal)",
  target: 1.0,
  config: (tiny) => (tiny ? { batch: 2, heads: 2, seq: 9, hd: 5 } : { batch: 32, heads: 4, seq: 128, hd: 32 }),
  // q·kᵀ and p·v over the causal half, forward once and backward twice
  flops: (c) => 3 * 2 * 2 * c.batch * c.heads * c.seq * c.seq * c.hd * 0.5,
  create(c: Config, seed: number): Instance {
    const gen = new Generator(seed);
    const shape = [c.batch, c.heads, c.seq, c.hd];
    const [q, k, v] = [0, 1, 2].map(() => randn(shape, { generator: gen }).requiresGrad_(true));
    // a fixed weighting of the output, so every element's gradient matters (the twin uses the same)
    const w = tensor(Float32Array.from({ length: q.size }, (_, i) => Math.sin(i)), { shape });
    return {
      config: c,
      model: null,
      inputs: { q, k, v },
      step: () => scope(() => {
        for (const x of [q, k, v]) x.grad = null;
        scaledDotProductAttention(q, k, v, { isCausal: true }).mul(w).sum().backward();
        return 0;
      }),
      output: () => scope(() => Array.from(scaledDotProductAttention(q.detach(), k.detach(), v.detach(), { isCausal: true }).dataSync())),
    };
  },
};
