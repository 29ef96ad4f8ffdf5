import { Generator, binaryCrossEntropyWithLogits, linear, randint, randn, relu, scope, cast } from "../../src/index.js";
import { Model } from "./model.js";
import type { Config, Instance, WorkloadDef } from "./types.js";

/** MLP in-h-h-1 (linear+relu, linear+relu, linear), BCE-with-logits, backward, fused Adam. */
export const mlpStep: WorkloadDef = {
  name: "mlp_step",
  description: "MLP 1000-64-64-1, batch 32, BCE-with-logits, backward, Adam (6 params)",
  target: 0.5,
  config: (tiny) => (tiny ? { batch: 4, in: 20, hidden: 8 } : { batch: 32, in: 1000, hidden: 64 }),
  flops: (c) => 3 * 2 * c.batch * (c.in * c.hidden + c.hidden * c.hidden + c.hidden),
  create(c: Config, seed: number): Instance {
    const gen = new Generator(seed);
    const model = new Model(gen);
    const l1 = model.linear("fc1", c.in, c.hidden);
    const l2 = model.linear("fc2", c.hidden, c.hidden);
    const l3 = model.linear("fc3", c.hidden, 1);
    const x = randn([c.batch, c.in], { generator: gen });
    const yInt = randint(0, 2, [c.batch, 1], { generator: gen });
    const y = cast(yInt, "float32");
    yInt.dispose();
    return {
      config: c,
      model,
      inputs: { x, y },
      step: () => scope(() => {
        const h1 = relu(linear(x, l1.w, l1.b));
        const h2 = relu(linear(h1, l2.w, l2.b));
        const logits = linear(h2, l3.w, l3.b);
        const loss = binaryCrossEntropyWithLogits(logits, y);
        loss.backward();
        model.adam();
        return loss.item();
      }),
    };
  },
};
