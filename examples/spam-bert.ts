/**
 * Does BERT-style pre-training pay on a small corpus? A small Transformer encoder (learned positions,
 * pre-norm layers, GELU) is pre-trained by masked-language modelling on the training e-mails (15% of
 * the real tokens; of those 80% become [MASK], 10% a random word, 10% stay), then fine-tuned as a spam
 * classifier (mean of the token states over the real tokens → Linear). A second copy of the same
 * architecture is trained on classification only, from scratch, for the same total number of steps
 * (pre-training + fine-tuning). Both are scored on spam-mlp's held-out split.
 *
 *   npx tsx examples/spam-bert.ts [--quick] [--seed 0]
 *
 * Tokens: the word-level SequenceEncoder of spam-lstm with <bos> first (it is never padding, so no row
 * is all padding); [MASK] is one extra embedding row after the vocabulary (id = vocabulary size), which
 * the MLM head never predicts. The attention layers run without dropout: here dropout's random masks
 * cost more time than the attention itself, and the budget is steps.
 * Saved: model/ (the fine-tuned SpamBertClassifier) and model-scratch/, each with the encoder in
 * `preprocessing.sequence`; both rebuild with moduleFromConfig.
 */
import { join, resolve } from "node:path";
import type { SequenceEncoder } from "../src/data/text/index.js";
import { saveModelDir } from "../src/io/index.js";
import { crossEntropy, binaryCrossEntropyWithLogits } from "../src/losses/index.js";
import {
  ConfigReader, Embedding, LayerNorm, LearnedPositionalEmbedding, Linear, Module, registerLayer, registeredLayers, TransformerEncoder, TransformerEncoderLayer,
  type LayerConfig,
} from "../src/nn/index.js";
import { AdamW, clipGradNorm_ } from "../src/optim/index.js";
import { linePlot, saveCharts } from "../src/plot/index.js";
import { cast, div, eq, indexSelect, manualSeed, mul, mulberry32, ne, reshape, scope, sum, tensor, unsqueeze, type Tensor } from "../src/tensor/index.js";
import { ProgressBar } from "../src/train/index.js";
import { evaluateLogits, spamSequenceEncoder } from "./spam-lstm.js";
import { loadSpamSplits, writeJson, writeSpamPlots, type SpamSplits } from "./spam-mlp.js";

/** The encoder's architecture. */
export interface SpamEncoderConfig {
  /** Embedding rows: the vocabulary plus one [MASK] row. */
  vocabSize: number;
  dModel: number;
  nhead: number;
  numLayers: number;
  dimFeedforward: number;
  maxLength: number;
  padId: number;
}

/** ids int32 [B, L] → token states [B, L, dModel]; padding is masked out of attention. */
export class SpamTransformerEncoder extends Module<[Tensor], Tensor> {
  tokens: Embedding;
  positions: LearnedPositionalEmbedding;
  embedNorm: LayerNorm;
  encoder: TransformerEncoder;

  constructor(readonly config: SpamEncoderConfig) {
    super();
    const { vocabSize, dModel, nhead, numLayers, dimFeedforward, maxLength, padId } = config;
    this.tokens = new Embedding(vocabSize, dModel, { paddingIdx: padId });
    this.positions = new LearnedPositionalEmbedding(maxLength, dModel);
    this.embedNorm = new LayerNorm(dModel);
    const layer = new TransformerEncoderLayer(dModel, nhead, { dimFeedforward, dropout: 0, activation: "gelu", batchFirst: true, normFirst: true });
    // pre-norm layers want a final norm (as PyTorch passes one)
    this.encoder = new TransformerEncoder(layer, numLayers, { norm: new LayerNorm(dModel) });
  }

  override forward(ids: Tensor): Tensor {
    const x = this.embedNorm.forward(this.positions.forward(this.tokens.forward(ids)));
    return this.encoder.forward(x, { srcKeyPaddingMask: eq(ids, this.config.padId) });
  }

  override getConfig(): LayerConfig {
    return { type: "SpamTransformerEncoder", ...this.config };
  }
}

/** ids [B, L] → spam logit [B, 1]: the encoder, the mean of its states over real tokens, a Linear. */
export class SpamBertClassifier extends Module<[Tensor], Tensor> {
  head: Linear;

  constructor(readonly body: SpamTransformerEncoder) {
    super();
    this.head = new Linear(body.config.dModel, 1);
  }

  override forward(ids: Tensor): Tensor {
    const h = this.body.forward(ids);
    const real = unsqueeze(cast(ne(ids, this.body.config.padId), "float32"), 2);
    const pooled = div(sum(mul(h, real), 1), sum(real, 1));
    return this.head.forward(pooled);
  }

  override getConfig(): LayerConfig {
    return { type: "SpamBertClassifier", body: this.body.getConfig() };
  }
}

function encoderFromConfig(c: LayerConfig): SpamTransformerEncoder {
  const r = new ConfigReader(c);
  return new SpamTransformerEncoder({
    vocabSize: r.int("vocabSize"), dModel: r.int("dModel"), nhead: r.int("nhead"), numLayers: r.int("numLayers"), dimFeedforward: r.int("dimFeedforward"),
    maxLength: r.int("maxLength"), padId: r.int("padId", 0),
  });
}

if (!registeredLayers().includes("SpamTransformerEncoder")) {
  registerLayer("SpamTransformerEncoder", encoderFromConfig);
  registerLayer("SpamBertClassifier", (c) => new SpamBertClassifier(encoderFromConfig(new ConfigReader(c).layer("body"))));
}

/** Sizes and step budgets of one run. */
export interface SpamBertSizes {
  maxLength: number;
  maxVocabulary: number;
  dModel: number;
  nhead: number;
  numLayers: number;
  dimFeedforward: number;
  batchSize: number;
  /** Masked-language-modelling steps. */
  pretrainSteps: number;
  /** Classification steps after pre-training; the scratch model gets pretrainSteps + finetuneSteps. */
  finetuneSteps: number;
  lr: number;
}

/** Full size: two layers of 64, sequences of 128 words. */
export const FULL_SIZES: SpamBertSizes = {
  maxLength: 128, maxVocabulary: 8000, dModel: 64, nhead: 4, numLayers: 2, dimFeedforward: 128, batchSize: 32, pretrainSteps: 300, finetuneSteps: 150, lr: 1e-3,
};
/** Quick size: the 1200-e-mail sample, short sequences, a narrow encoder. */
export const QUICK_SIZES: SpamBertSizes = {
  maxLength: 48, maxVocabulary: 3000, dModel: 32, nhead: 4, numLayers: 2, dimFeedforward: 64, batchSize: 32, pretrainSteps: 80, finetuneSteps: 80, lr: 2e-3,
};

/** Endless shuffled batches of row numbers 0..n-1 (a fresh permutation each pass). */
function batches(n: number, size: number, random: () => number): () => number[] {
  let order: number[] = [];
  let at = n;
  return () => {
    if (at + size > n) {
      order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      at = 0;
    }
    at += size;
    return order.slice(at - size, at);
  };
}

/** Token ids of the whole split as one Int32Array, row-major [N, L]. */
interface IdMatrix {
  ids: Int32Array;
  rows: number;
  length: number;
}

function idMatrix(encoder: SequenceEncoder, texts: string[]): IdMatrix {
  const { ids, mask } = encoder.transform(texts);
  const out = { ids: Int32Array.from(ids.dataSync()), rows: ids.shape[0], length: ids.shape[1] };
  ids.dispose();
  mask.dispose();
  return out;
}

function batchIds(m: IdMatrix, rows: readonly number[]): Int32Array {
  const out = new Int32Array(rows.length * m.length);
  rows.forEach((r, i) => out.set(m.ids.subarray(r * m.length, (r + 1) * m.length), i * m.length));
  return out;
}

/** Ids with 15% of the maskable tokens corrupted (80/10/10), the flat positions chosen and their original ids. */
export interface MaskedBatch {
  input: Int32Array;
  positions: number[];
  targets: number[];
}

/**
 * BERT's masking: each token that may be predicted (not pad, not bos) is chosen with probability
 * `rate`; a chosen token becomes maskId (80%), a random word id in [firstWord, vocabSize) (10%), or
 * stays (10%). At least one position is chosen per batch, so the loss is always defined.
 */
export function maskTokens(ids: Int32Array, opts: { rate: number; maskId: number; firstWord: number; vocabSize: number; skip: readonly number[] }, random: () => number): MaskedBatch {
  const input = Int32Array.from(ids);
  const positions: number[] = [];
  const targets: number[] = [];
  const candidates: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (opts.skip.includes(ids[i])) continue;
    candidates.push(i);
    if (random() < opts.rate) positions.push(i);
  }
  if (positions.length === 0 && candidates.length > 0) positions.push(candidates[Math.floor(random() * candidates.length)]);
  for (const i of positions) {
    targets.push(ids[i]);
    const r = random();
    if (r < 0.8) input[i] = opts.maskId;
    else if (r < 0.9) input[i] = opts.firstWord + Math.floor(random() * (opts.vocabSize - opts.firstWord));
  }
  return { input, positions, targets };
}

/** One optimiser step per call of `lossOf`; returns each step's loss. */
function trainSteps(label: string, steps: number, params: Tensor[], lr: number, lossOf: () => Tensor, verbose: boolean): number[] {
  const optimizer = new AdamW(params, { lr, weightDecay: 0.01 });
  const bar = verbose ? new ProgressBar({ total: steps, label, unit: "steps" }) : null;
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = scope(() => {
      const l = lossOf();
      optimizer.zeroGrad();
      l.backward();
      clipGradNorm_(params, 1);
      optimizer.step();
      return l.item();
    });
    if (!Number.isFinite(loss)) throw new Error(`${label}: the loss became ${loss} at step ${s + 1}`);
    losses.push(loss);
    const recent = losses.slice(-20);
    bar?.update(s + 1, { loss: recent.reduce((a, b) => a + b, 0) / recent.length });
  }
  return losses;
}

/** Mean of the first and of the last `k` values. */
function ends(values: number[], k: number): { first: number; last: number } {
  const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
  return { first: mean(values.slice(0, k)), last: mean(values.slice(-k)) };
}

/** Held-out numbers of one classifier arm. */
export interface ArmMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number;
  /** Mean classification loss of the first and the last 10 steps. */
  firstLoss: number;
  lastLoss: number;
  seconds: number;
}

/** What runSpamBert returns (and the script prints as its last line). */
export interface SpamBertMetrics {
  scenario: "spam-bert";
  quick: boolean;
  trainRows: number;
  testRows: number;
  vocabulary: number;
  sizes: SpamBertSizes;
  /** Share of ham in the test rows: the accuracy of always answering "ham". */
  majorityAccuracy: number;
  /** Mean MLM loss of the first and the last 10 pre-training steps (nats per masked token). */
  mlmFirstLoss: number;
  mlmLastLoss: number;
  pretrainSeconds: number;
  pretrained: ArmMetrics;
  scratch: ArmMetrics;
  /** Whether the pre-trained + fine-tuned model's held-out F1 beats the scratch model's. */
  pretrainingHelped: boolean;
  modelDir: string;
}

/** Options of runSpamBert. */
export interface SpamBertOptions {
  quick?: boolean;
  seed?: number;
  /** Where the models and plots go (default out/examples/spam-bert). */
  outDir?: string;
  verbose?: boolean;
  sizes?: Partial<SpamBertSizes>;
}

/** Pre-trains, fine-tunes and trains from scratch; see the file comment. */
export async function runSpamBert(opts: SpamBertOptions = {}, splits?: SpamSplits): Promise<SpamBertMetrics> {
  const quick = opts.quick ?? false;
  const seed = opts.seed ?? 0;
  const verbose = opts.verbose ?? false;
  const sizes = { ...(quick ? QUICK_SIZES : FULL_SIZES), ...opts.sizes };
  const outDir = resolve(opts.outDir ?? "out/examples/spam-bert");
  const s = splits ?? (await loadSpamSplits(quick));
  const encoder = spamSequenceEncoder(s.clean, sizes.maxLength, sizes.maxVocabulary, true).fit(s.train.texts);
  const vocab = encoder.vocabulary!;
  const padId = vocab.specialId("pad");
  const bosId = vocab.specialId("bos");
  const maskId = vocab.size;
  const firstWord = Object.values(vocab.specials).filter((t) => t !== null).length;
  const train = idMatrix(encoder, s.train.texts);
  const testIds = encoder.transform(s.test.texts);
  testIds.mask.dispose();
  const config: SpamEncoderConfig = {
    vocabSize: vocab.size + 1, dModel: sizes.dModel, nhead: sizes.nhead, numLayers: sizes.numLayers, dimFeedforward: sizes.dimFeedforward, maxLength: sizes.maxLength, padId,
  };
  const owned: { dispose(): void }[] = [testIds.ids];
  try {
    // --- masked-language-model pre-training on the training e-mails (their labels unused) ---
    manualSeed(seed);
    const pretrainedBody = new SpamTransformerEncoder(config);
    const mlmHead = new Linear(sizes.dModel, vocab.size);
    owned.push(pretrainedBody, mlmHead);
    const random = mulberry32(seed + 1);
    const nextMlm = batches(train.rows, sizes.batchSize, random);
    const mask = { rate: 0.15, maskId, firstWord, vocabSize: vocab.size, skip: [padId, bosId] };
    const started = performance.now();
    const mlmLosses = trainSteps("pre-train (MLM)", sizes.pretrainSteps, [...pretrainedBody.parameters(), ...mlmHead.parameters()], sizes.lr, () => {
      const rows = nextMlm();
      const m = maskTokens(batchIds(train, rows), mask, random);
      const h = pretrainedBody.forward(tensor(m.input, { shape: [rows.length, train.length] }));
      const picked = indexSelect(reshape(h, [rows.length * train.length, sizes.dModel]), 0, tensor(Int32Array.from(m.positions)));
      return crossEntropy(mlmHead.forward(picked), tensor(Int32Array.from(m.targets)));
    }, verbose);
    const pretrainSeconds = (performance.now() - started) / 1000;

    // --- classification: fine-tune the pre-trained encoder, and train a fresh one for the whole budget ---
    const labels = Float32Array.from(s.train.labels);
    const classify = async (name: string, model: SpamBertClassifier, steps: number, seconds0: number): Promise<ArmMetrics & { losses: number[] }> => {
      const t0 = performance.now();
      const next = batches(train.rows, sizes.batchSize, mulberry32(seed + 2));
      const losses = trainSteps(name, steps, model.parameters(), sizes.lr, () => {
        const rows = next();
        const logits = model.forward(tensor(batchIds(train, rows), { shape: [rows.length, train.length] }));
        return binaryCrossEntropyWithLogits(logits, tensor(Float32Array.from(rows, (r) => labels[r]), { shape: [rows.length, 1] }));
      }, verbose);
      const seconds = seconds0 + (performance.now() - t0) / 1000;
      const evaluation = evaluateLogits(model, testIds.ids, s.test.labels);
      const m = evaluation.metrics;
      const dir = join(outDir, name === "fine-tune" ? "model" : "model-scratch");
      model.eval();
      await saveModelDir(dir, {
        architecture: model.getConfig(), stateDict: model.stateDict(), preprocessing: { sequence: encoder.toJSON(), classes: ["ham", "spam"], maskId },
        metadata: { scenario: "spam-bert", arm: name, quick, sizes: { ...sizes }, test: { ...m } },
      });
      if (name === "fine-tune") {
        await writeJson(join(outDir, "evaluation.json"), evaluation);
        await writeSpamPlots(outDir, "MLM-pre-trained Transformer", evaluation);
      }
      const e = ends(losses, 10);
      return { accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1, rocAuc: m.rocAuc, firstLoss: e.first, lastLoss: e.last, seconds, losses };
    };
    const fineTuned = new SpamBertClassifier(pretrainedBody);
    owned.push(fineTuned.head);
    const pretrained = await classify("fine-tune", fineTuned, sizes.finetuneSteps, pretrainSeconds);
    manualSeed(seed);
    const fresh = new SpamBertClassifier(new SpamTransformerEncoder(config));
    owned.push(fresh);
    const scratch = await classify("scratch", fresh, sizes.pretrainSteps + sizes.finetuneSteps, 0);
    await writeLossPlots(outDir, mlmLosses, pretrained.losses, scratch.losses, sizes.pretrainSteps);

    const mlm = ends(mlmLosses, 10);
    const strip = ({ losses: _l, ...rest }: ArmMetrics & { losses: number[] }): ArmMetrics => rest;
    return {
      scenario: "spam-bert", quick, trainRows: train.rows, testRows: s.test.texts.length, vocabulary: vocab.size, sizes,
      majorityAccuracy: s.test.labels.filter((y) => y === 0).length / s.test.labels.length,
      mlmFirstLoss: mlm.first, mlmLastLoss: mlm.last, pretrainSeconds,
      pretrained: strip(pretrained), scratch: strip(scratch), pretrainingHelped: pretrained.f1 > scratch.f1, modelDir: join(outDir, "model"),
    };
  } finally {
    for (const o of owned) o.dispose();
  }
}

/** mlm-loss.svg/png (pre-training) and classification-loss.svg/png (both arms on one step axis, 20-step means). */
async function writeLossPlots(outDir: string, mlm: number[], fine: number[], scratch: number[], offset: number): Promise<void> {
  const smooth = (v: number[]): number[] => v.map((_, i) => {
    const w = v.slice(Math.max(0, i - 19), i + 1);
    return w.reduce((a, b) => a + b, 0) / w.length;
  });
  const steps = (n: number, from = 1): number[] => Array.from({ length: n }, (_, i) => from + i);
  const charts: [string, string][] = [
    ["mlm-loss", linePlot({ title: "masked-language-model loss (20-step mean)", xLabel: "step", yLabel: "cross-entropy (nats)", series: [{ name: "MLM", x: steps(mlm.length), y: smooth(mlm) }] })],
    ["classification-loss", linePlot({
      title: "classification loss at equal step budget (20-step mean)", xLabel: "step (pre-training steps first)", yLabel: "binary cross-entropy",
      series: [{ name: "pre-trained, fine-tuned", x: steps(fine.length, offset + 1), y: smooth(fine) }, { name: "from scratch", x: steps(scratch.length), y: smooth(scratch), dashed: true }],
    })],
  ];
  await saveCharts(outDir, Object.fromEntries(charts));
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const m = await runSpamBert({ quick: process.argv.includes("--quick"), seed: flag("seed"), verbose: true });
  console.log(`MLM loss ${m.mlmFirstLoss.toFixed(3)} → ${m.mlmLastLoss.toFixed(3)} in ${m.sizes.pretrainSteps} steps`);
  console.log(`held-out F1: pre-trained + fine-tuned ${m.pretrained.f1.toFixed(4)}, from scratch ${m.scratch.f1.toFixed(4)} (same ${m.sizes.pretrainSteps + m.sizes.finetuneSteps} steps): pre-training ${m.pretrainingHelped ? "helped" : "did not help"}`);
  console.log(JSON.stringify(m));
}
