// Autoregressive generation with a KV cache: the prompt runs once, then each new token costs one
// position's worth of work. Greedy decoding stays on the device (argmax there, no host round trip per
// token); sampling reads the last logits back to draw with the host generator.
import { noGrad } from "../autograd/grad-mode.js";
import { argmax } from "../tensor/ops/reduce.js";
import { narrow, reshape } from "../tensor/ops/shape.js";
import { softmax } from "../tensor/ops/nn.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { scope, keep } from "../tensor/scope.js";
import { fmtShape, ShapeError } from "../tensor/shape.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { KVCache } from "./kv-cache.js";
import type { GPT2 } from "./gpt2.js";

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 (the default) decodes greedily; otherwise logits are divided by it before sampling. */
  temperature?: number;
  /** Sample among the k most likely tokens only. */
  topK?: number;
  generator?: Generator;
}

/** Continues each row of `prompt` (int32 [B, T]) by `maxNewTokens` tokens; returns the new tokens [B, maxNewTokens]. */
export function generate(model: GPT2, prompt: Tensor, opts: GenerateOptions): Int32Array[] {
  const { nLayer, nHead, nEmbd, nPositions } = model.config;
  if (prompt.ndim !== 2 || prompt.dtype !== "int32" || prompt.shape[1] === 0) throw new ShapeError("generate", `prompt must be int32 token ids [B, T] with T ≥ 1, got ${prompt.dtype} ${fmtShape(prompt.shape)}`);
  const [b, t] = prompt.shape;
  const n = opts.maxNewTokens;
  if (!Number.isInteger(n) || n < 1) throw new ShapeError("generate", `maxNewTokens must be a positive integer, got ${n}`);
  if (t + n > nPositions) throw new ShapeError("generate", `prompt ${t} + ${n} new tokens exceed the context of ${nPositions}`);
  const temperature = opts.temperature ?? 0;
  const wasTraining = model.training;
  model.eval();
  using cache = new KVCache(nLayer, b, nHead, t + n, nEmbd / nHead, prompt.device);
  const picked: Tensor[] = [];
  try {
    noGrad(() => {
      let input = prompt;
      for (let i = 0; i < n; i++) {
        const next = scope(() => {
          const logits = model.call(input, cache); // [B, t, V]
          const last = reshape(narrow(logits, 1, logits.shape[1] - 1, 1), [b, logits.shape[2]]);
          return keep(temperature > 0 ? sample(last, temperature, opts.topK, opts.generator ?? defaultGenerator) : reshape(argmax(last, 1), [b, 1]));
        });
        if (input !== prompt) picked.push(input);
        input = next;
      }
      picked.push(input);
    });
    const cols = picked.map((p) => p.dataSync() as Int32Array);
    return Array.from({ length: b }, (_, r) => Int32Array.from(cols, (c) => c[r]));
  } finally {
    for (const p of picked) p.dispose();
    model.train(wasTraining);
  }
}

function sample(logits: Tensor, temperature: number, topK: number | undefined, gen: Generator): Tensor {
  const [b, v] = logits.shape;
  const probs = softmax(logits.div(temperature), 1).dataSync();
  const out = new Int32Array(b);
  const u = gen.uniform(b);
  for (let r = 0; r < b; r++) {
    const row = probs.subarray(r * v, (r + 1) * v);
    let keepFrom = 0;
    let order: number[] | null = null;
    if (topK !== undefined && topK < v) {
      order = [...row.keys()].sort((i, j) => row[j] - row[i]).slice(0, topK);
      keepFrom = order.reduce((s, i) => s + row[i], 0);
    }
    const ids = order ?? [...row.keys()];
    const total = order ? keepFrom : ids.reduce((s, i) => s + row[i], 0);
    let acc = 0;
    out[r] = ids[ids.length - 1];
    for (const i of ids) {
      acc += row[i] / total;
      if (u[r] < acc) {
        out[r] = i;
        break;
      }
    }
  }
  return tensor(out, { shape: [b, 1], device: logits.device });
}
