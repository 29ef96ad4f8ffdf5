// GPT-2 training step on the cuda backend: token + position embedding, pre-LN blocks with causal
// attention and a tanh-GELU MLP, tied output head, next-token cross-entropy, backward, fused AdamW.
// Times `steps` steps after warm-up and prints one JSON line: tokens/s, ms/step, MFU and peak memory.
// Usage: node dist/bench/gpu/gpt2.js [--device cpu] [--precision highest|high|medium] [--layers 12 --d 768 --heads 12 --seq 1024 --batch 16 --vocab 50304 --steps 10]
import { Generator, add, narrow, setFloat32MatmulPrecision, type MatmulPrecision, adamStep_, causalSelfAttention, crossEntropy, embedding, gelu, layerNorm, linear, noGrad, normal, ones, randint, reshape, scope, toDevice, zeros, type Tensor } from "../../src/index.js";
import { backendFor } from "../../src/backends/registry.js";
import type { CudaBackend } from "../../src/backends/cuda/index.js";
import { profileBackend } from "./op-profile.js";

interface Cfg {
  layers: number;
  d: number;
  heads: number;
  seq: number;
  batch: number;
  vocab: number;
  steps: number;
  warmup: number;
  device: "cuda" | "cpu";
  profile: number;
  precision: MatmulPrecision;
}

function parseArgs(argv: string[]): Cfg {
  const c: Cfg = { layers: 12, d: 768, heads: 12, seq: 1024, batch: 16, vocab: 50304, steps: 10, warmup: 3, device: "cuda", profile: 0, precision: "high" };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, "") as keyof Cfg;
    if (!(k in c)) throw new Error(`gpt2 bench: unknown option ${argv[i]}`);
    if (k === "device") c.device = argv[i + 1] === "cpu" ? "cpu" : "cuda";
    else if (k === "precision") c.precision = argv[i + 1] as MatmulPrecision;
    else c[k] = Number(argv[i + 1]);
  }
  return c;
}

const cfg = parseArgs(process.argv.slice(2));
setFloat32MatmulPrecision(cfg.precision);
const dev = cfg.device; // cpu: a check of this script on a machine without a GPU
const cuda = dev === "cuda" ? (backendFor("cuda") as CudaBackend) : null;
const gen = new Generator(1234);
const params: { name: string; t: Tensor; m: Tensor; v: Tensor; decay: boolean }[] = [];

function param(name: string, host: Tensor, decay: boolean): Tensor {
  const t = toDevice(host, dev);
  if (t !== host) host.dispose();
  t.requiresGrad_(true);
  params.push({ name, t, m: zeros(t.shape, { device: dev }), v: zeros(t.shape, { device: dev }), decay });
  return t;
}
const std = 0.02;
const projStd = 0.02 / Math.sqrt(2 * cfg.layers); // GPT-2's scaled init of residual projections
const { d, heads: nh, seq: T, batch: B, vocab: V } = cfg;
const wte = param("wte", normal([V, d], 0, std, { generator: gen }), true);
const wpe = param("wpe", normal([T, d], 0, std, { generator: gen }), true);
const blocks = Array.from({ length: cfg.layers }, (_, i) => ({
  ln1w: param(`h${i}.ln1.w`, ones([d]), false),
  ln1b: param(`h${i}.ln1.b`, zeros([d]), false),
  qkvw: param(`h${i}.qkv.w`, normal([3 * d, d], 0, std, { generator: gen }), true),
  qkvb: param(`h${i}.qkv.b`, zeros([3 * d]), false),
  projw: param(`h${i}.proj.w`, normal([d, d], 0, projStd, { generator: gen }), true),
  projb: param(`h${i}.proj.b`, zeros([d]), false),
  ln2w: param(`h${i}.ln2.w`, ones([d]), false),
  ln2b: param(`h${i}.ln2.b`, zeros([d]), false),
  fcw: param(`h${i}.fc.w`, normal([4 * d, d], 0, std, { generator: gen }), true),
  fcb: param(`h${i}.fc.b`, zeros([4 * d]), false),
  fc2w: param(`h${i}.fc2.w`, normal([d, 4 * d], 0, projStd, { generator: gen }), true),
  fc2b: param(`h${i}.fc2.b`, zeros([d]), false),
}));
const lnfw = param("lnf.w", ones([d]), false);
const lnfb = param("lnf.b", zeros([d]), false);

// one fixed random batch: the point is throughput (the moby-dick run shows learning)
const stream = randint(0, V, [B, T + 1], { generator: gen });
const idx = toDevice(narrow(stream, 1, 0, T), dev);
const targets = toDevice(reshape(narrow(stream, 1, 1, T), [B * T]), dev);
const pos = wpe; // positions 0..T-1 are all of wpe when seq == context

let step = 0;
function trainStep(): Tensor {
  return scope(() => {
    let x = add(embedding(idx, wte), pos);
    for (const b of blocks) {
      const h = layerNorm(x, [d], b.ln1w, b.ln1b, 1e-5);
      const att = causalSelfAttention(linear(h, b.qkvw, b.qkvb), nh);
      x = add(x, linear(att, b.projw, b.projb));
      const h2 = layerNorm(x, [d], b.ln2w, b.ln2b, 1e-5);
      x = add(x, linear(gelu(linear(h2, b.fcw, b.fcb), "tanh"), b.fc2w, b.fc2b));
    }
    const logits = linear(layerNorm(x, [d], lnfw, lnfb, 1e-5), wte);
    const loss = crossEntropy(reshape(logits, [B * T, V]), targets);
    loss.backward();
    step++;
    noGrad(() => {
      for (const p of params) {
        const g = p.t.grad;
        if (!g) continue;
        adamStep_(p.t, g, p.m, p.v, { lr: 6e-4, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: p.decay ? 0.1 : 0, decoupled: true, step });
        g.dispose();
        p.t.grad = null;
      }
    });
    return loss.detach();
  });
}

if (cfg.profile > 0 && cuda) {
  // --profile N: N synchronised steps with every kernel timed, printed before the timed run
  const prof = profileBackend(cuda, () => cuda.synchronize());
  trainStep().dispose();
  prof.enabled.on = true;
  for (let i = 0; i < cfg.profile; i++) trainStep().dispose();
  prof.enabled.on = false;
  console.log(prof.report(45));
}

const nParams = params.reduce((s, p) => s + p.t.size, 0);
const losses: number[] = [];
for (let i = 0; i < cfg.warmup; i++) {
  const l = trainStep();
  losses.push(l.item());
  l.dispose();
}
cuda?.synchronize();
const t0 = performance.now();
let last: Tensor | null = null;
for (let i = 0; i < cfg.steps; i++) {
  last?.dispose();
  last = trainStep();
}
const lastLoss = last ? last.item() : NaN; // item() waits for the queued steps
const ms = (performance.now() - t0) / cfg.steps;
last?.dispose();
const tokens = B * T;
// 6N per token for the weights plus attention's 12·L·T·d (PaLM's MFU accounting), H100 SXM bf16 dense peak 989 TFLOP/s
const flopsPerToken = 6 * nParams + 12 * cfg.layers * T * d;
const tokPerS = tokens / (ms / 1000);
const stats = cuda?.memoryStats() ?? null;
console.log(JSON.stringify({ impl: "ingot", ...cfg, params: nParams, msPerStep: ms, tokensPerS: tokPerS, tflops: (flopsPerToken * tokPerS) / 1e12, mfu: (flopsPerToken * tokPerS) / 989e12, peakBytes: stats?.peakBytes ?? null, memory: stats, losses: [...losses, lastLoss] }));
