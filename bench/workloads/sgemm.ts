import { Generator, matmul, randn, scope } from "../../src/index.js";
import type { Config, Instance, WorkloadDef } from "./types.js";

/** C = A·B for square float32 matrices, no autograd. */
export function sgemm(n: number): WorkloadDef {
  return {
    name: `sgemm_${n}`,
    description: `C = A·B, A and B ${n}x${n} float32 (matmul, no autograd)`,
    target: 1.1,
    // tiny: odd sizes, so GEMM tails are exercised too
    config: (tiny) => ({ n: tiny ? n / 8 + 1 : n }),
    flops: (c) => 2 * c.n ** 3,
    create(c: Config, seed: number): Instance {
      const gen = new Generator(seed);
      const a = randn([c.n, c.n], { generator: gen });
      const b = randn([c.n, c.n], { generator: gen });
      return {
        config: c,
        model: null,
        inputs: { a, b },
        step: () => scope(() => {
          matmul(a, b);
          return 0;
        }),
        output: () => scope(() => Array.from(matmul(a, b).dataSync())),
      };
    },
  };
}
