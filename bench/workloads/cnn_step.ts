import { Generator, conv2d, crossEntropy, linear, maxPool2d, randint, randn, relu, reshape, scope } from "../../src/index.js";
import { Model } from "./model.js";
import type { Config, Instance, WorkloadDef } from "./types.js";

/** Two conv/relu/maxpool stages, a linear classifier, cross-entropy, backward, Adam. */
export const cnnStep: WorkloadDef = {
  name: "cnn_step",
  description: "input [64,1,28,28]: conv 1→8 3x3 p1, relu, maxpool 2; conv 8→16, relu, maxpool 2; linear 784→10; CE; backward; Adam",
  target: 1.0,
  config: (tiny) => (tiny ? { batch: 4, size: 8, c1: 2, c2: 3, classes: 10 } : { batch: 64, size: 28, c1: 8, c2: 16, classes: 10 }),
  flops: (c) => {
    const s1 = c.size * c.size;
    const s2 = s1 / 4;
    const conv1 = 2 * c.batch * c.c1 * 9 * s1;
    const conv2 = 2 * c.batch * c.c2 * c.c1 * 9 * s2;
    const fc = 2 * c.batch * c.c2 * (s2 / 4) * c.classes;
    return 3 * (conv1 + conv2 + fc);
  },
  create(c: Config, seed: number): Instance {
    const gen = new Generator(seed);
    const model = new Model(gen);
    const b1 = 1 / Math.sqrt(1 * 9);
    const w1 = model.uniform("conv1.weight", [c.c1, 1, 3, 3], b1);
    const bias1 = model.uniform("conv1.bias", [c.c1], b1);
    const b2 = 1 / Math.sqrt(c.c1 * 9);
    const w2 = model.uniform("conv2.weight", [c.c2, c.c1, 3, 3], b2);
    const bias2 = model.uniform("conv2.bias", [c.c2], b2);
    const flat = c.c2 * (c.size / 4) * (c.size / 4);
    const fc = model.linear("fc", flat, c.classes);
    const x = randn([c.batch, 1, c.size, c.size], { generator: gen });
    const target = randint(0, c.classes, [c.batch], { generator: gen });
    return {
      config: c,
      model,
      inputs: { x, target },
      step: () => scope(() => {
        let h = maxPool2d(relu(conv2d(x, w1, bias1, { stride: 1, padding: 1 })), 2);
        h = maxPool2d(relu(conv2d(h, w2, bias2, { stride: 1, padding: 1 })), 2);
        const logits = linear(reshape(h, [c.batch, flat]), fc.w, fc.b);
        const loss = crossEntropy(logits, target);
        loss.backward();
        model.adam();
        return loss.item();
      }),
    };
  },
};
