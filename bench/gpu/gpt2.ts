// GPT-2 training step on the cuda backend: the zoo's GPT2 (token + position embedding, pre-LN blocks
// with causal attention and a tanh-GELU MLP, tied output head), next-token cross-entropy, backward, AdamW.
// Times `steps` steps after warm-up and prints one JSON line: tokens/s, ms/step, MFU and peak memory.
// Usage: node dist/bench/gpu/gpt2.js [--device cpu] [--precision highest|high|medium] [--flash 1|0] [--amp bf16] [--layers 12 --d 768 --heads 12 --seq 1024 --batch 16 --vocab 50304 --steps 10]
import { AdamW, GPT2, autocast, crossEntropy, enableFlashSdp, manualSeed, narrow, randint, reshape, scope, setFloat32MatmulPrecision, toDevice, type MatmulPrecision, type Tensor } from "../../src/index.js";
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
  /** 0: attention through strided GEMMs and the fused causal softmax instead of FlashAttention (enableFlashSdp(false)). */
  flash: number;
  /** bf16: the forward pass under autocast (bfloat16 matmuls and attention, float32 master weights), as PyTorch's bf16 mode. */
  amp: "none" | "bf16";
}

function parseArgs(argv: string[]): Cfg {
  const c: Cfg = { layers: 12, d: 768, heads: 12, seq: 1024, batch: 16, vocab: 50304, steps: 10, warmup: 3, device: "cuda", profile: 0, precision: "high", flash: 1, amp: "none" };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, "") as keyof Cfg;
    if (!(k in c)) throw new Error(`gpt2 bench: unknown option ${argv[i]}`);
    if (k === "device") c.device = argv[i + 1] === "cpu" ? "cpu" : "cuda";
    else if (k === "precision") c.precision = argv[i + 1] as MatmulPrecision;
    else if (k === "amp") {
      if (argv[i + 1] !== "bf16" && argv[i + 1] !== "none") throw new Error(`gpt2 bench: --amp takes bf16 or none, got ${argv[i + 1]}`);
      c.amp = argv[i + 1] as Cfg["amp"];
    }
    else c[k] = Number(argv[i + 1]);
  }
  return c;
}

const cfg = parseArgs(process.argv.slice(2));
setFloat32MatmulPrecision(cfg.precision);
enableFlashSdp(cfg.flash !== 0);
const dev = cfg.device; // cpu: a check of this script on a machine without a GPU
const cuda = dev === "cuda" ? (backendFor("cuda") as CudaBackend) : null;
const { d, heads: nh, seq: T, batch: B, vocab: V } = cfg;
manualSeed(1234);
// the zoo's GPT-2 (tied head, GPT-2's scaled init), moved to the device
const model = new GPT2({ vocabSize: V, nPositions: T, nEmbd: d, nLayer: cfg.layers, nHead: nh }).to(dev);
const params = model.parameters();
// weight decay on matrices only, as nanoGPT and the PyTorch twin
const optimizer = new AdamW(
  [{ params: params.filter((p) => p.ndim >= 2), weightDecay: 0.1 }, { params: params.filter((p) => p.ndim < 2), weightDecay: 0 }],
  { lr: 6e-4, betas: [0.9, 0.95], eps: 1e-8 },
);

// one fixed random batch: the point is throughput (the moby-dick run shows learning)
const stream = randint(0, V, [B, T + 1], { dtype: "int32" });
const idx = toDevice(narrow(stream, 1, 0, T), dev);
const targets = toDevice(reshape(narrow(stream, 1, 1, T), [B * T]), dev);

function trainStep(): Tensor {
  return scope(() => {
    const forward = (): Tensor => crossEntropy(reshape(model.call(idx), [B * T, V]), targets);
    const loss = cfg.amp === "bf16" ? autocast({ deviceType: dev, dtype: "bfloat16" }, forward) : forward();
    loss.backward();
    optimizer.step();
    optimizer.zeroGrad();
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

const nParams = params.reduce((s, p) => s + p.size, 0);
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
