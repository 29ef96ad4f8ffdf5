/**
 * Cross-modal fusion on the SpamAssassin corpus: a message body's TF-IDF vector (text) and a handful of
 * numbers measured on the same message (tabular: length, links, uppercase ratio, '!' rate, digit ratio,
 * '$' signs, HTML markup) go through their own branches (Linear 32 ReLU and Linear 8 ReLU), are
 * concatenated and classified spam/ham by one logit. The same text branch alone is the baseline; both
 * are scored by F1 (spam the positive class) on the same held-out messages (i % 5 == 0). Headers are
 * stripped, so neither model can read the sender or the mail server's spam marks. With --export-data it
 * also writes twin/ (the exact input matrices, labels and initial weights) for bench/zoo/crossmodal_torch.py,
 * the PyTorch and scikit-learn replay.
 *
 *   npx tsx examples/crossmodal.ts [--quick] [--seed 0] [--export-data]
 */
import { join } from "node:path";
import { loadDataset, stripEmailHeaders, TfidfVectorizer } from "../src/data/index.js";
import { saveModelDir } from "../src/io/index.js";
import { accuracy, f1Score } from "../src/metrics/index.js";
import { ConfigReader, Linear, Module, registerLayer, ReLU, Sequential, type LayerConfig } from "../src/nn/index.js";
import { Adam } from "../src/optim/index.js";
import { linePlot, saveCharts } from "../src/plot/index.js";
import { cat, manualSeed, narrow, tensor, type Tensor } from "../src/tensor/index.js";
import { fit, predict, type History } from "../src/train/index.js";
import { writeOutput } from "./shapes-data.js";
import { writeNpyTensors } from "./spam-lstm.js";

/** The tabular features, in column order. */
export const MESSAGE_FEATURES = ["log length", "log links", "uppercase ratio", "'!' per 100 chars", "digit ratio", "log '$' count", "has HTML"];

/** Numbers measured on one message body (see MESSAGE_FEATURES). */
export function messageFeatures(body: string): number[] {
  const letters = body.match(/[A-Za-z]/g)?.length ?? 0;
  const upper = body.match(/[A-Z]/g)?.length ?? 0;
  const count = (re: RegExp): number => body.match(re)?.length ?? 0;
  return [
    Math.log1p(body.length),
    Math.log1p(count(/https?:\/\/|www\./gi)),
    letters ? upper / letters : 0,
    (100 * count(/!/g)) / Math.max(1, body.length),
    count(/[0-9]/g) / Math.max(1, body.length),
    Math.log1p(count(/\$/g)),
    /<\s*(html|body|font|table|a\s+href)/i.test(body) ? 1 : 0,
  ];
}

/** Text branch and tabular branch, concatenated, one spam logit. Input [N, textSize + tabSize]. */
export class FusionNet extends Module {
  text: Sequential;
  tabular: Sequential;
  head: Linear;

  constructor(readonly textSize: number, readonly tabSize: number) {
    super();
    this.text = new Sequential(new Linear(textSize, 32), new ReLU());
    this.tabular = new Sequential(new Linear(tabSize, 8), new ReLU());
    this.head = new Linear(40, 1);
  }

  override forward(x: Tensor): Tensor {
    const t = this.text.call(narrow(x, 1, 0, this.textSize));
    const f = this.tabular.call(narrow(x, 1, this.textSize, this.tabSize));
    return this.head.call(cat([t, f], 1));
  }

  override getConfig(): LayerConfig {
    return { type: "FusionNet", textSize: this.textSize, tabSize: this.tabSize };
  }
}
registerLayer("FusionNet", (c) => { const r = new ConfigReader(c); return new FusionNet(r.int("textSize"), r.int("tabSize")); }, { replace: true });

/** Scores of one model on the test messages. */
export interface SpamScores {
  f1: number;
  accuracy: number;
  firstLoss: number;
  lastLoss: number;
  /** Seconds inside fit(): what the PyTorch twin's time compares with. */
  trainSeconds: number;
}

/** runCrossmodal options. */
export interface CrossmodalOptions {
  quick?: boolean;
  seed?: number;
  outDir?: string;
  verbose?: boolean;
  /**
   * Also write outDir/twin/ for bench/zoo/crossmodal_torch.py: {train,test}-x.npy (float32 [n, vocabulary + 7]:
   * the TF-IDF columns, then the standardised message features; the text-only model reads the first
   * `vocabulary` columns), {train,test}-y.npy (float32 [n, 1]), init-{fused,text}/<parameter>.npy and run.json.
   */
  exportData?: boolean;
}

/** What runCrossmodal returns (the script prints it as its last line). */
export interface CrossmodalResult {
  nTrain: number;
  nTest: number;
  vocabulary: number;
  fused: SpamScores;
  textOnly: SpamScores;
  seconds: number;
}

/** Builds both inputs, trains the fused and the text-only model, scores both; saves the fused model under outDir. */
export async function runCrossmodal(opts: CrossmodalOptions = {}): Promise<CrossmodalResult> {
  const started = performance.now();
  const seed = opts.seed ?? 0;
  const outDir = opts.outDir ?? join("out", "examples", "crossmodal");
  const table = await loadDataset("spam-assassin");
  const texts = table.column("text").values as readonly string[];
  const labels = table.column("label").values as readonly string[];
  // quick mode keeps every third message (all groups stay represented)
  const rows = Array.from({ length: table.numRows }, (_, i) => i).filter((i) => !opts.quick || i % 3 === 0);
  const bodies = rows.map((i) => stripEmailHeaders(texts[i]));
  const y = rows.map((i) => (labels[i] === "spam" ? 1 : 0));
  const trainPos = rows.map((_, r) => r).filter((r) => r % 5 !== 0), testPos = rows.map((_, r) => r).filter((r) => r % 5 === 0);

  const vectorizer = new TfidfVectorizer({ maxFeatures: opts.quick ? 500 : 2000, minDf: 2, sublinearTf: true }).fit(trainPos.map((r) => bodies[r]));
  const tfidf = (pos: number[]): Float32Array => vectorizer.transform(pos.map((r) => bodies[r])).toDense().dataSync() as Float32Array;
  const tab = bodies.map(messageFeatures);
  const d = MESSAGE_FEATURES.length;
  const mean = Array.from({ length: d }, (_, j) => trainPos.reduce((s, r) => s + tab[r][j], 0) / trainPos.length);
  const std = Array.from({ length: d }, (_, j) => Math.sqrt(trainPos.reduce((s, r) => s + (tab[r][j] - mean[j]) ** 2, 0) / trainPos.length) || 1);
  const vocab = vectorizer.transform([""]).numCols;
  const inputs = (pos: number[]): { text: Tensor; fused: Tensor; y: Tensor } => {
    const t = tfidf(pos);
    const fused = new Float32Array(pos.length * (vocab + d));
    pos.forEach((r, i) => {
      fused.set(t.subarray(i * vocab, (i + 1) * vocab), i * (vocab + d));
      tab[r].forEach((v, j) => (fused[i * (vocab + d) + vocab + j] = (v - mean[j]) / std[j]));
    });
    return { text: tensor(t, { shape: [pos.length, vocab] }), fused: tensor(fused, { shape: [pos.length, vocab + d] }), y: tensor(pos.map((r) => [y[r]])) };
  };
  const train = inputs(trainPos), test = inputs(testPos);
  const yTest = testPos.map((r) => y[r]);
  const epochs = opts.quick ? 8 : 15, lr = 2e-3, batchSize = 64;
  const twinDir = join(outDir, "twin");
  if (opts.exportData) {
    await writeNpyTensors(twinDir, { "train-x": train.fused, "train-y": train.y, "test-x": test.fused, "test-y": test.y });
    await writeOutput(join(twinDir, "run.json"), `${JSON.stringify({ vocabulary: vocab, features: MESSAGE_FEATURES, epochs, lr, batchSize, seed, quick: opts.quick ?? false })}\n`);
  }

  // `name` names the twin's init-<name>/ folder: the untrained weights, so the PyTorch twin starts from them
  const trainAndScore = async (name: string, model: Module, x: Tensor, xTest: Tensor): Promise<{ scores: SpamScores; history: History }> => {
    if (opts.exportData) await writeNpyTensors(join(twinDir, `init-${name}`), model.stateDict());
    const fitStarted = performance.now();
    const history = await fit(model, { train: { x, y: train.y }, loss: "bceWithLogits", optimizer: new Adam(model.parameters(), { lr }), epochs, batchSize, seed, verbose: opts.verbose ?? false });
    const trainSeconds = (performance.now() - fitStarted) / 1000;
    const logits = predict(model, xTest);
    const pred = Array.from(logits.dataSync(), (z) => (z > 0 ? 1 : 0));
    logits.dispose();
    return { scores: { f1: f1Score(yTest, pred), accuracy: accuracy(yTest, pred), firstLoss: history[0].loss, lastLoss: history.at(-1)!.loss, trainSeconds }, history };
  };
  manualSeed(seed);
  const fusedNet = new FusionNet(vocab, d);
  const fused = await trainAndScore("fused", fusedNet, train.fused, test.fused);
  manualSeed(seed);
  const textNet = new Sequential(new Linear(vocab, 32), new ReLU(), new Linear(32, 1));
  const textOnly = await trainAndScore("text", textNet, train.text, test.text);

  await saveModelDir(join(outDir, "model"), {
    architecture: fusedNet.getConfig(),
    stateDict: fusedNet.stateDict(),
    preprocessing: { text: vectorizer.toJSON(), tabular: { features: MESSAGE_FEATURES, mean, std }, stripEmailHeaders: true },
    metadata: { dataset: "spam-assassin", positive: "spam", ...fused.scores },
  });
  const plot = linePlot({
    series: [
      { name: `fused (F1 ${fused.scores.f1.toFixed(3)})`, x: fused.history.map((h) => h.epoch), y: fused.history.map((h) => h.loss) },
      { name: `text only (F1 ${textOnly.scores.f1.toFixed(3)})`, x: textOnly.history.map((h) => h.epoch), y: textOnly.history.map((h) => h.loss), dashed: true },
    ],
    title: "Spam classifier training loss", xLabel: "epoch", yLabel: "BCE", logY: true,
  });
  await saveCharts(outDir, { loss: plot });
  [train.text, train.fused, train.y, test.text, test.fused, test.y].forEach((t) => t.dispose());
  fusedNet.dispose();
  textNet.dispose();
  return { nTrain: trainPos.length, nTest: testPos.length, vocabulary: vocab, fused: fused.scores, textOnly: textOnly.scores, seconds: (performance.now() - started) / 1000 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf("--seed");
  const r = await runCrossmodal({ quick: process.argv.includes("--quick"), seed: i >= 0 ? Number(process.argv[i + 1]) : 0, exportData: process.argv.includes("--export-data"), verbose: true });
  console.error(`test F1 (spam): fused ${r.fused.f1.toFixed(3)}, text only ${r.textOnly.f1.toFixed(3)}`);
  console.log(JSON.stringify(r));
}
