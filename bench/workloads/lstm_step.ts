import { Generator, add, chunk, crossEntropy, embedding, linear, mul, narrow, randint, reshape, scope, sigmoid, tanh, transpose, zeros, type Tensor } from "../../src/index.js";
import { Model } from "./model.js";
import type { Config, Instance, WorkloadDef } from "./types.js";

/**
 * Embedding → single-layer LSTM written from ops → linear head on the final h → cross-entropy,
 * backward, Adam. As in every LSTM implementation (PyTorch's included), the input projection x·W_ihᵀ
 * is one GEMM over all timesteps; the recurrence h·W_hhᵀ runs one timestep at a time. The PyTorch twin
 * uses nn.LSTM (fused).
 */
export const lstmStep: WorkloadDef = {
  name: "lstm_step",
  description: "ids [32,50] vocab 1000 → embedding 64 → LSTM 128 (from ops; input projection hoisted, recurrence per timestep) → linear 128→2 → CE; backward; Adam",
  target: 1.0,
  config: (tiny) => (tiny ? { batch: 3, seq: 5, vocab: 20, embed: 6, hidden: 7, classes: 2 } : { batch: 32, seq: 50, vocab: 1000, embed: 64, hidden: 128, classes: 2 }),
  flops: (c) => 3 * 2 * c.batch * (c.seq * 4 * c.hidden * (c.embed + c.hidden) + c.hidden * c.classes),
  create(c: Config, seed: number): Instance {
    const gen = new Generator(seed);
    const model = new Model(gen);
    const H = c.hidden;
    const emb = model.normal("emb.weight", [c.vocab, c.embed], 1);
    // nn.LSTM's names and init: U(-1/√H, 1/√H), gate order i, f, g, o
    const k = 1 / Math.sqrt(H);
    const wih = model.uniform("lstm.weight_ih_l0", [4 * H, c.embed], k);
    const whh = model.uniform("lstm.weight_hh_l0", [4 * H, H], k);
    const bih = model.uniform("lstm.bias_ih_l0", [4 * H], k);
    const bhh = model.uniform("lstm.bias_hh_l0", [4 * H], k);
    const fc = model.linear("fc", H, c.classes);
    const ids = randint(0, c.vocab, [c.batch, c.seq], { generator: gen });
    const target = randint(0, c.classes, [c.batch], { generator: gen });
    return {
      config: c,
      model,
      inputs: { ids, target },
      step: () => scope(() => {
        // time-major so each x_t is a contiguous slice
        const xs = transpose(embedding(ids, emb), 0, 1); // [seq, batch, embed]
        const xproj = linear(xs, wih, bih); // [seq, batch, 4H], one GEMM for every timestep
        let h: Tensor = zeros([c.batch, H]);
        let cell: Tensor = zeros([c.batch, H]);
        for (let t = 0; t < c.seq; t++) {
          const xt = reshape(narrow(xproj, 0, t, 1), [c.batch, 4 * H]); // contiguous: a view
          const gates = add(xt, linear(h, whh, bhh));
          const [gi, gf, gg, go] = chunk(gates, 4, 1);
          cell = add(mul(sigmoid(gf), cell), mul(sigmoid(gi), tanh(gg)));
          h = mul(sigmoid(go), tanh(cell));
        }
        const loss = crossEntropy(linear(h, fc.w, fc.b), target);
        loss.backward();
        model.adam();
        return loss.item();
      }),
    };
  },
};
