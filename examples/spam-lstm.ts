/**
 * A recurrent spam filter: SpamAssassin e-mails → the spec's cleaning → word tokens → a vocabulary of
 * words seen at least twice in the training e-mails → ids padded/truncated to a fixed length →
 * Embedding → bidirectional GRU or LSTM (batchFirst, real lengths, so the backward direction starts at
 * each e-mail's last word and padding never reaches the state) → mean over the real steps → Linear.
 * Same split as spam-mlp (examples/specs/spam.yaml), so the F1s compare. With --export-data it also
 * writes twin/ (the padded ids and labels of each split, the initial weights, the run's sizes) for
 * bench/zoo/spam_lstm_torch.py, the PyTorch replay.
 *
 *   npx tsx examples/spam-lstm.ts [--quick] [--cell gru|lstm] [--seed 0] [--export-data]
 *
 * The model directory holds the SpamRnnClassifier config (registered with registerLayer, so
 * moduleFromConfig rebuilds it), its weights, and the fitted SequenceEncoder as `preprocessing.sequence`.
 */
import { join, resolve } from "node:path";
import { SequenceEncoder, RegexTokenizer, type CleanOptions } from "../src/data/text/index.js";
import { evaluatePredictions, type RunEvaluation } from "../src/experiment/index.js";
import { loadModelDir, saveModelDir } from "../src/io/index.js";
import { F1Score } from "../src/metrics/index.js";
import { ConfigReader, Embedding, GRU, Linear, LSTM, Module, moduleFromConfig, registerLayer, registeredLayers, type LayerConfig } from "../src/nn/index.js";
import { Adam } from "../src/optim/index.js";
import { linePlot, saveCharts } from "../src/plot/index.js";
import { div, manualSeed, sigmoid, sum, tensor, type Tensor } from "../src/tensor/index.js";
import { EarlyStopping, fit, predict, type History } from "../src/train/index.js";
import { npyBytes, writeOutput } from "./shapes-data.js";
import { loadSpamSplits, writeJson, writeSpamPlots, type SpamSplits } from "./spam-mlp.js";

/** The recurrent cell of the classifier. */
export type SpamCell = "gru" | "lstm";

/** SpamRnnClassifier's architecture. */
export interface SpamRnnConfig {
  vocabSize: number;
  embeddingDim: number;
  hiddenSize: number;
  cell: SpamCell;
  /** The id of padding: its embedding row stays zero and it never counts toward a length. */
  padId: number;
}

/**
 * ids int32 [B, L] (padding after the tokens) → spam logit [B, 1]. The real length of each row is the
 * number of non-pad ids, passed to the RNN so padded steps leave the state alone and output zeros;
 * the mean over real steps is then a sum divided by the length.
 */
export class SpamRnnClassifier extends Module<[Tensor], Tensor> {
  embedding: Embedding;
  rnn: GRU | LSTM;
  head: Linear;

  constructor(readonly config: SpamRnnConfig) {
    super();
    const { vocabSize, embeddingDim, hiddenSize, cell, padId } = config;
    this.embedding = new Embedding(vocabSize, embeddingDim, { paddingIdx: padId });
    const Cell = cell === "lstm" ? LSTM : GRU;
    this.rnn = new Cell(embeddingDim, hiddenSize, { batchFirst: true, bidirectional: true });
    this.head = new Linear(2 * hiddenSize, 1);
  }

  override forward(ids: Tensor): Tensor {
    if (ids.dtype !== "int32" || ids.ndim !== 2) throw new Error(`SpamRnnClassifier: ids must be int32 [batch, length], got ${ids.dtype} [${ids.shape.join(", ")}]`);
    const [b, l] = ids.shape;
    const raw = ids.dataSync();
    const lengths = Array.from({ length: b }, (_, i) => {
      let n = 0;
      for (let t = 0; t < l; t++) if (raw[i * l + t] !== this.config.padId) n++;
      return n;
    });
    const [out] = this.rnn.forward(this.embedding.forward(ids), null, lengths);
    // an e-mail with no known words has length 0: divide by 1, its pooled vector is zeros
    const len = tensor(Float32Array.from(lengths, (n) => Math.max(n, 1)), { shape: [b, 1] });
    return this.head.forward(div(sum(out, 1), len));
  }

  override getConfig(): LayerConfig {
    return { type: "SpamRnnClassifier", ...this.config };
  }
}

if (!registeredLayers().includes("SpamRnnClassifier")) {
  registerLayer("SpamRnnClassifier", (c) => {
    const r = new ConfigReader(c);
    const cell = r.oneOf<SpamCell>("cell", ["gru", "lstm"], "gru");
    return new SpamRnnClassifier({ vocabSize: r.int("vocabSize"), embeddingDim: r.int("embeddingDim"), hiddenSize: r.int("hiddenSize"), cell, padId: r.int("padId", 0) });
  });
}

/** The word-level encoder both sequence scenarios use: the spec's cleaning, scikit-learn's token pattern, min frequency 2. */
export function spamSequenceEncoder(clean: CleanOptions, maxLength: number, maxVocabulary: number, addBos = false): SequenceEncoder {
  return new SequenceEncoder({ clean, tokenizer: new RegexTokenizer(), maxLength, vocabulary: { minFreq: 2, maxSize: maxVocabulary }, addBos });
}

/** Sizes of one run (quick or full). */
export interface SpamLstmSizes {
  maxLength: number;
  maxVocabulary: number;
  embeddingDim: number;
  hiddenSize: number;
  batchSize: number;
  epochs: number;
  lr: number;
}

/** Full size: trains in a few minutes on two cores. */
export const FULL_SIZES: SpamLstmSizes = { maxLength: 128, maxVocabulary: 20000, embeddingDim: 64, hiddenSize: 64, batchSize: 64, epochs: 6, lr: 3e-3 };
/** Quick size: the runner's 1200-e-mail sample, short sequences, small layers. */
export const QUICK_SIZES: SpamLstmSizes = { maxLength: 64, maxVocabulary: 5000, embeddingDim: 32, hiddenSize: 32, batchSize: 32, epochs: 5, lr: 5e-3 };

/** What runSpamLstm returns (and the script prints as its last line). */
export interface SpamLstmMetrics {
  scenario: "spam-lstm";
  quick: boolean;
  cell: SpamCell;
  trainRows: number;
  testRows: number;
  vocabulary: number;
  maxLength: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number;
  epochs: number;
  bestEpoch: number;
  firstLoss: number;
  lastLoss: number;
  trainSeconds: number;
  /** Seconds inside fit() alone (trainSeconds also counts loading and encoding): what the PyTorch twin's time compares with. */
  fitSeconds: number;
  modelDir: string;
}

/** Options of runSpamLstm. */
export interface SpamLstmOptions {
  quick?: boolean;
  seed?: number;
  /** Default "gru" (about half an LSTM's time per step here, see the README). */
  cell?: SpamCell;
  /** Where the model and plots go (default out/examples/spam-lstm). */
  outDir?: string;
  verbose?: boolean;
  /** Override sizes (e.g. epochs) of the chosen mode. */
  sizes?: Partial<SpamLstmSizes>;
  /** Also write outDir/twin/ for bench/zoo/spam_lstm_torch.py (see writeSpamLstmTwin). */
  exportData?: boolean;
}

/** Writes each tensor as `<dir>/<name>.npy` (int32 stays int32, anything else float32). */
export async function writeNpyTensors(dir: string, tensors: Record<string, Tensor>): Promise<void> {
  for (const [name, t] of Object.entries(tensors)) {
    const data = t.dtype === "int32" ? Int32Array.from(t.dataSync()) : Float32Array.from(t.dataSync());
    await writeOutput(join(dir, `${name}.npy`), npyBytes(data, t.shape));
  }
}

/**
 * The PyTorch twin's inputs under `dir`: {train,val,test}-{x,y}.npy (ids int32 [n, maxLength], labels
 * float32 [n, 1]), init/<parameter>.npy (the untrained weights, so both runs start from the same point)
 * and run.json (sizes, cell, padId, seed, the fit() options).
 */
export async function writeSpamLstmTwin(dir: string, model: SpamRnnClassifier, data: Record<"train" | "val" | "test", { x: Tensor; y: Tensor }>, run: Record<string, unknown>): Promise<void> {
  for (const [split, d] of Object.entries(data)) await writeNpyTensors(dir, { [`${split}-x`]: d.x, [`${split}-y`]: d.y });
  await writeNpyTensors(join(dir, "init"), model.stateDict());
  await writeOutput(join(dir, "run.json"), `${JSON.stringify(run)}\n`);
}

/** Held-out evaluation of a logit model on padded ids. */
export function evaluateLogits(model: Module<[Tensor], Tensor>, ids: Tensor, labels: number[]): RunEvaluation {
  const logits = predict(model, ids, { batchSize: 256 });
  const p = sigmoid(logits);
  const probs = Array.from(p.dataSync());
  logits.dispose();
  p.dispose();
  return evaluatePredictions("binary", labels, probs, ["ham", "spam"], "test");
}

/** Writes the training and validation loss per epoch as loss.svg/png. */
async function writeLossPlot(outDir: string, history: History): Promise<void> {
  const epochs = history.map((h) => h.epoch);
  const svg = linePlot({
    title: "spam-lstm: loss per epoch", xLabel: "epoch", yLabel: "binary cross-entropy",
    series: [{ name: "train", x: epochs, y: history.map((h) => h.loss) }, { name: "validation", x: epochs, y: history.map((h) => h.valLoss ?? NaN), dashed: true }],
  });
  await saveCharts(outDir, { loss: svg });
}

/** Trains the recurrent classifier on the spam split and returns its held-out metrics. */
export async function runSpamLstm(opts: SpamLstmOptions = {}, splits?: SpamSplits): Promise<SpamLstmMetrics> {
  const quick = opts.quick ?? false;
  const seed = opts.seed ?? 0;
  const cell = opts.cell ?? "gru";
  const sizes = { ...(quick ? QUICK_SIZES : FULL_SIZES), ...opts.sizes };
  const outDir = resolve(opts.outDir ?? "out/examples/spam-lstm");
  const started = performance.now();
  const s = splits ?? (await loadSpamSplits(quick));
  const encoder = spamSequenceEncoder(s.clean, sizes.maxLength, sizes.maxVocabulary).fit(s.train.texts);
  const vocab = encoder.vocabulary!;
  const encode = (texts: string[], labels: number[]): { x: Tensor; y: Tensor } => {
    const { ids, mask } = encoder.transform(texts);
    mask.dispose();
    return { x: ids, y: tensor(Float32Array.from(labels), { shape: [labels.length, 1] }) };
  };
  const train = encode(s.train.texts, s.train.labels);
  const val = encode(s.val.texts, s.val.labels);
  const test = encode(s.test.texts, s.test.labels);
  manualSeed(seed);
  const model = new SpamRnnClassifier({ vocabSize: vocab.size, embeddingDim: sizes.embeddingDim, hiddenSize: sizes.hiddenSize, cell, padId: vocab.specialId("pad") });
  const patience = 2, clipGradNorm = 1;
  const stopper = new EarlyStopping({ monitor: "valLoss", patience, restoreBestWeights: true });
  try {
    if (opts.exportData) {
      await writeSpamLstmTwin(join(outDir, "twin"), model, { train, val, test }, { ...sizes, cell, padId: vocab.specialId("pad"), vocabSize: vocab.size, seed, patience, clipGradNorm, quick });
    }
    const fitStarted = performance.now();
    const history = await fit(model, {
      train, val, loss: "bceWithLogits", optimizer: new Adam(model.parameters(), { lr: sizes.lr }), epochs: sizes.epochs, batchSize: sizes.batchSize,
      metrics: [new F1Score({ fromLogits: true })], callbacks: [stopper], clipGradNorm, seed, verbose: opts.verbose ?? false,
    });
    const fitSeconds = (performance.now() - fitStarted) / 1000;
    const trainSeconds = (performance.now() - started) / 1000;
    const evaluation = evaluateLogits(model, test.x, s.test.labels);
    const modelDir = join(outDir, "model");
    const m = evaluation.metrics;
    model.eval();
    await saveModelDir(modelDir, {
      architecture: model.getConfig(), stateDict: model.stateDict(), preprocessing: { sequence: encoder.toJSON(), classes: ["ham", "spam"] },
      metadata: { scenario: "spam-lstm", split: "examples/specs/spam.yaml", quick, test: { ...m } },
    });
    await writeJson(join(outDir, "evaluation.json"), evaluation);
    await writeSpamPlots(outDir, `Bi${cell.toUpperCase()}`, evaluation);
    await writeLossPlot(outDir, history);
    return {
      scenario: "spam-lstm", quick, cell, trainRows: s.train.texts.length, testRows: s.test.texts.length, vocabulary: vocab.size, maxLength: sizes.maxLength,
      accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1, rocAuc: m.rocAuc,
      epochs: history.length, bestEpoch: stopper.bestEpoch, firstLoss: history[0].loss, lastLoss: history.at(-1)!.loss, trainSeconds, fitSeconds, modelDir,
    };
  } finally {
    [train, val, test].forEach((d) => { d.x.dispose(); d.y.dispose(); });
    model.dispose();
  }
}

/** Reads a saved spam-lstm model directory back: the classifier (in eval mode) and its fitted encoder. */
export async function loadSpamRnn(dir: string): Promise<{ model: SpamRnnClassifier; encoder: SequenceEncoder }> {
  const { config, stateDict } = await loadModelDir(dir);
  const model = moduleFromConfig<SpamRnnClassifier>(config.architecture as LayerConfig);
  model.loadStateDict(stateDict);
  model.eval();
  const pre = config.preprocessing as { sequence?: unknown } | undefined;
  if (!pre?.sequence) throw new Error(`loadSpamRnn: ${dir}/config.json has no preprocessing.sequence`);
  return { model, encoder: SequenceEncoder.fromJSON(pre.sequence) };
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seed = option("seed");
  const m = await runSpamLstm({ quick: process.argv.includes("--quick"), cell: option("cell") as SpamCell | undefined, seed: seed === undefined ? undefined : Number(seed), exportData: process.argv.includes("--export-data"), verbose: true });
  console.log(`held-out F1 ${m.f1.toFixed(4)}  precision ${m.precision.toFixed(4)}  recall ${m.recall.toFixed(4)}  ROC AUC ${m.rocAuc.toFixed(4)}  (${m.trainSeconds.toFixed(1)} s)`);
  console.log(JSON.stringify(m));
}
