// Greedy generation with a KV cache: GPT-2 124M (random weights), a 128-token prompt, 128 new tokens,
// batch 1 and 32. Prints one JSON line per batch size with new tokens per second.
// Usage: node dist/bench/gpu/generate.js [--device cuda|cpu] [--layers 12 --d 768 --heads 12 --prompt 128 --new 128 --batches 1,32]
import { GPT2, generate, manualSeed, randint, toDevice } from "../../src/index.js";
import { backendFor } from "../../src/backends/registry.js";
import type { CudaBackend } from "../../src/backends/cuda/index.js";

const o = { device: "cuda", layers: 12, d: 768, heads: 12, vocab: 50304, prompt: 128, new: 128, batches: "1,32" };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i].replace(/^--/, "") as keyof typeof o;
  if (!(k in o)) throw new Error(`generate bench: unknown option ${argv[i]}`);
  (o as Record<string, string | number>)[k] = k === "device" || k === "batches" ? argv[i + 1] : Number(argv[i + 1]);
}
const dev = o.device === "cpu" ? "cpu" : "cuda";
manualSeed(0);
const model = new GPT2({ vocabSize: o.vocab, nPositions: 1024, nEmbd: o.d, nLayer: o.layers, nHead: o.heads }).to(dev).eval();
const sync = (): void => {
  if (dev === "cuda") (backendFor("cuda") as CudaBackend).synchronize();
};
for (const b of o.batches.split(",").map(Number)) {
  const prompt = toDevice(randint(0, o.vocab, [b, o.prompt], { dtype: "int32" }), dev);
  generate(model, prompt, { maxNewTokens: 8 }); // warm-up
  sync();
  const t0 = performance.now();
  const out = generate(model, prompt, { maxNewTokens: o.new });
  const s = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ impl: "ingot", batch: b, prompt: o.prompt, newTokens: o.new, seconds: s, tokensPerS: (b * o.new) / s, msPerStep: (1000 * s) / o.new, first: Array.from(out[0].slice(0, 8)) }));
  prompt.dispose();
}
