/**
 * A character-level GPT-2 on Moby-Dick (the catalog's "moby-dick" chapters, joined in order): the first
 * 90% of the characters train, the last 10% validate. AdamW with a linear warm-up and cosine decay,
 * gradient clipping at 1, the validation loss on a fixed set of windows every `evalEvery` steps. It
 * saves a model directory (GPT2 config + weights, the character vocabulary as preprocessing), samples
 * under several decoding settings, a loss-curve plot, and a twin/ folder (token ids, every batch's
 * offsets, the initial weights) from which bench/zoo/gpt_moby_torch.py replays the same run in PyTorch.
 *
 *   npx tsx examples/gpt-moby.ts [--quick] [--steps 1500] [--seed 0] [--out out/examples/gpt-moby]
 *   /usr/bin/python3 bench/zoo/gpt_moby_torch.py out/examples/gpt-moby   # then the PyTorch twin
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  AdamW, GPT2, Generator, LambdaLR, clipGradNorm_, crossEntropy, generateText, manualSeed, noGrad, reshape, scope, tensor,
  type GPT2Config, type SamplingOptions, type Tensor,
} from "../src/index.js";
import { loadDataset } from "../src/data/catalog.js";
import { saveModelDir, saveSafetensors } from "../src/io/index.js";
import { linePlot, savePlot, savePng } from "../src/plot/index.js";
import { ProgressBar } from "../src/train/progress.js";

/** Training hyper-parameters (the PyTorch twin reads them from twin/run.json). */
export interface GptMobyHyper {
  steps: number;
  batch: number;
  lr: number;
  warmup: number;
  /** The cosine decays the lr to minLrFactor·lr. */
  minLrFactor: number;
  weightDecay: number;
  betas: [number, number];
  clip: number;
  evalEvery: number;
  /** Validation windows per evaluation = evalBatches · batch. */
  evalBatches: number;
}

/** The quick and full settings: model size and training schedule. */
export function gptMobySettings(quick: boolean): { model: Omit<GPT2Config, "vocabSize">; hyper: GptMobyHyper } {
  return quick
    ? {
      model: { nPositions: 64, nEmbd: 64, nLayer: 2, nHead: 4 },
      hyper: { steps: 300, batch: 16, lr: 3e-3, warmup: 30, minLrFactor: 0.1, weightDecay: 0.1, betas: [0.9, 0.99], clip: 1, evalEvery: 50, evalBatches: 4 },
    }
    : {
      model: { nPositions: 128, nEmbd: 128, nLayer: 4, nHead: 4 },
      hyper: { steps: 1500, batch: 32, lr: 2e-3, warmup: 100, minLrFactor: 0.1, weightDecay: 0.1, betas: [0.9, 0.99], clip: 1, evalEvery: 100, evalBatches: 8 },
    };
}

/** The lr multiplier at step k (0-based): linear warm-up, then a half cosine down to minLrFactor. */
export function lrFactor(k: number, h: GptMobyHyper): number {
  if (k < h.warmup) return (k + 1) / h.warmup;
  const progress = Math.min(1, (k - h.warmup) / Math.max(1, h.steps - h.warmup));
  return h.minLrFactor + (1 - h.minLrFactor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** The corpus as character ids, with its vocabulary and the train/validation boundary. */
export interface CharCorpus {
  vocab: string[];
  ids: Int32Array;
  /** ids[0, split) train, ids[split, end) validate. */
  split: number;
}

/** Loads Moby-Dick from the catalog and encodes it character by character (vocabulary sorted by code point). */
export async function loadMobyChars(): Promise<CharCorpus> {
  const table = await loadDataset("moby-dick");
  const col = table.column("text");
  if (col.type !== "string") throw new Error("moby-dick: the text column is not a string column");
  const text = col.values.map((v) => v ?? "").join("\n\n");
  const vocab = [...new Set(text)].sort();
  const index = new Map(vocab.map((c, i) => [c, i]));
  const ids = Int32Array.from(text, (c) => index.get(c) as number);
  return { vocab, ids, split: Math.floor(ids.length * 0.9) };
}

/** Entropy in nats of the training characters' frequencies: the loss of a model that ignores context. */
export function unigramEntropy(ids: Int32Array, vocabSize: number): number {
  const counts = new Float64Array(vocabSize);
  for (const i of ids) counts[i]++;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / ids.length) * Math.log(c / ids.length);
  return h;
}

/** One row of the loss curve. */
export interface LossPoint {
  step: number;
  valLoss: number;
  trainLoss: number;
  seconds: number;
}

/** What runGptMoby returns (printed as the last line). */
export interface GptMobyResult {
  quick: boolean;
  vocabSize: number;
  params: number;
  steps: number;
  firstTrainLoss: number;
  lastTrainLoss: number;
  initialValLoss: number;
  finalValLoss: number;
  unigramEntropy: number;
  trainSeconds: number;
  msPerStep: number;
  curve: LossPoint[];
  samples: { setting: string; text: string }[];
  outDir: string;
}

/** Decoding settings the example samples with. */
const SAMPLE_SETTINGS: { setting: string; opts: SamplingOptions }[] = [
  { setting: "greedy", opts: {} },
  { setting: "greedy, repetition penalty 1.3", opts: { repetitionPenalty: 1.3 } },
  { setting: "temperature 0.8", opts: { temperature: 0.8 } },
  { setting: "temperature 1, top-k 10", opts: { temperature: 1, topK: 10 } },
  { setting: "temperature 1, top-p 0.9", opts: { temperature: 1, topP: 0.9 } },
];

/** Writes the batches as start offsets: train[step][row] and the fixed validation windows. */
function planBatches(c: CharCorpus, t: number, h: GptMobyHyper, seed: number): { train: number[][]; val: number[] } {
  const gen = new Generator(seed);
  // a window needs t + 1 characters (inputs and shifted targets) inside its own split
  const train = Array.from({ length: h.steps }, () => [...gen.integers(h.batch, 0, c.split - t)]);
  const val = [...gen.integers(h.evalBatches * h.batch, c.split, c.ids.length - t)];
  return { train, val };
}

function windows(ids: Int32Array, starts: ArrayLike<number>, t: number): { x: Tensor; y: Tensor } {
  const b = starts.length;
  const xs = new Int32Array(b * t);
  const ys = new Int32Array(b * t);
  for (let r = 0; r < b; r++) {
    xs.set(ids.subarray(starts[r], starts[r] + t), r * t);
    ys.set(ids.subarray(starts[r] + 1, starts[r] + t + 1), r * t);
  }
  return { x: tensor(xs, { shape: [b, t] }), y: tensor(ys, { shape: [b * t] }) };
}

/** Trains, evaluates, samples and saves. */
export async function runGptMoby(opts: { quick?: boolean; seed?: number; outDir?: string; steps?: number; verbose?: boolean } = {}): Promise<GptMobyResult> {
  const quick = opts.quick ?? false;
  const seed = opts.seed ?? 0;
  const outDir = opts.outDir ?? join("out", "examples", "gpt-moby");
  const { model: arch, hyper: base } = gptMobySettings(quick);
  const h: GptMobyHyper = { ...base, steps: opts.steps ?? base.steps };
  const corpus = await loadMobyChars();
  const V = corpus.vocab.length;
  const T = arch.nPositions;
  const B = h.batch;
  const plan = planBatches(corpus, T, h, seed);
  const entropy = unigramEntropy(corpus.ids.subarray(0, corpus.split), V);

  manualSeed(seed);
  const config: GPT2Config = { vocabSize: V, ...arch };
  const model = new GPT2(config);
  const params = model.parameters();
  const nParams = params.reduce((s, p) => s + p.size, 0);

  // the PyTorch twin replays exactly this: same ids, same offsets, same initial weights
  const twin = join(outDir, "twin");
  await mkdir(twin, { recursive: true });
  await writeFile(join(twin, "tokens.bin"), new Uint8Array(corpus.ids.buffer, corpus.ids.byteOffset, corpus.ids.byteLength));
  await writeFile(join(twin, "run.json"), JSON.stringify({ config, hyper: h, seed, vocab: corpus.vocab, split: corpus.split, batches: plan }));
  await saveSafetensors(join(twin, "init.safetensors"), model.stateDict());

  const optimizer = new AdamW(
    [{ params: params.filter((p) => p.ndim >= 2), weightDecay: h.weightDecay }, { params: params.filter((p) => p.ndim < 2), weightDecay: 0 }],
    { lr: h.lr, betas: h.betas, eps: 1e-8 },
  );
  const schedule = new LambdaLR(optimizer, { lrLambda: (k) => lrFactor(k, h) });
  const lossOf = (x: Tensor, y: Tensor): Tensor => crossEntropy(reshape(model.call(x), [y.shape[0], V]), y);
  const valLoss = (): number => {
    model.eval();
    let sum = 0;
    for (let i = 0; i < h.evalBatches; i++) {
      sum += noGrad(() => scope(() => {
        const { x, y } = windows(corpus.ids, plan.val.slice(i * B, (i + 1) * B), T);
        return lossOf(x, y).item();
      }));
    }
    model.train();
    return sum / h.evalBatches;
  };

  const curve: LossPoint[] = [{ step: 0, valLoss: valLoss(), trainLoss: NaN, seconds: 0 }];
  const bar = opts.verbose ? new ProgressBar({ total: h.steps, label: "gpt-moby", unit: "step" }) : null;
  const trainLosses: number[] = [];
  let trainMs = 0;
  for (let step = 1; step <= h.steps; step++) {
    const t0 = performance.now();
    const l = scope(() => {
      const { x, y } = windows(corpus.ids, plan.train[step - 1], T);
      const loss = lossOf(x, y);
      loss.backward();
      clipGradNorm_(params, h.clip);
      optimizer.step();
      optimizer.zeroGrad();
      schedule.step();
      return loss.item();
    });
    trainMs += performance.now() - t0;
    trainLosses.push(l);
    if (step % h.evalEvery === 0 || step === h.steps) {
      const recent = trainLosses.slice(-h.evalEvery);
      curve.push({ step, valLoss: valLoss(), trainLoss: recent.reduce((s, v) => s + v, 0) / recent.length, seconds: trainMs / 1000 });
    }
    bar?.update(step, { loss: l, val: curve[curve.length - 1].valLoss });
  }

  const encode = (s: string): number[] => [...s].map((ch) => corpus.vocab.indexOf(ch)).filter((i) => i >= 0);
  const decode = (ids: Int32Array): string => Array.from(ids, (i) => corpus.vocab[i]).join("");
  const prompt = "Call me Ishmael. ";
  const samples = SAMPLE_SETTINGS.map(({ setting, opts: s }) => {
    const [out] = generateText(model, [prompt], { ...s, maxNewTokens: T - prompt.length, generator: new Generator(seed + 1), stop: ["\n\n"], encode, decode });
    return { setting, text: prompt + out.text };
  });

  const finalVal = curve[curve.length - 1].valLoss;
  await saveModelDir(join(outDir, "model"), {
    architecture: model.getConfig(),
    stateDict: model.stateDict(),
    preprocessing: { kind: "characters", vocab: corpus.vocab },
    metadata: { dataset: "moby-dick", split: "last 10% of characters validate", steps: h.steps, valLoss: finalVal, seed },
  });
  const result: GptMobyResult = {
    quick, vocabSize: V, params: nParams, steps: h.steps,
    firstTrainLoss: trainLosses[0], lastTrainLoss: curve[curve.length - 1].trainLoss,
    initialValLoss: curve[0].valLoss, finalValLoss: finalVal, unigramEntropy: entropy,
    trainSeconds: trainMs / 1000, msPerStep: trainMs / h.steps, curve, samples, outDir,
  };
  await writeFile(join(outDir, "metrics.json"), JSON.stringify(result, null, 2));
  await writeFile(join(outDir, "samples.txt"), samples.map((s) => `--- ${s.setting}\n${s.text}\n`).join("\n"));
  const svg = linePlot({
    title: `char GPT on Moby-Dick (${nParams.toLocaleString("en")} parameters)`, xLabel: "step", yLabel: "cross-entropy (nats)",
    series: [
      { name: "train (mean since last eval)", x: curve.slice(1).map((p) => p.step), y: curve.slice(1).map((p) => p.trainLoss) },
      { name: "validation", x: curve.map((p) => p.step), y: curve.map((p) => p.valLoss) },
      { name: "unigram entropy", x: [0, h.steps], y: [entropy, entropy], dashed: true },
    ],
  });
  await savePlot(join(outDir, "loss.svg"), svg);
  await savePng(join(outDir, "loss.png"), svg).catch((e: Error) => console.warn(`gpt-moby: no PNG (${e.message})`));
  model.dispose();
  return result;
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runGptMoby({ quick: process.argv.includes("--quick"), steps: num(flag("steps")), seed: num(flag("seed")), outDir: flag("out"), verbose: true });
  for (const p of r.curve) console.log(`step ${String(p.step).padStart(5)}  val ${p.valLoss.toFixed(4)}  train ${p.trainLoss.toFixed(4)}  ${p.seconds.toFixed(1)} s`);
  for (const s of r.samples) console.log(`--- ${s.setting}\n${s.text}`);
  const { curve: _curve, samples: _samples, ...summary } = r;
  console.log(JSON.stringify(summary));
}
