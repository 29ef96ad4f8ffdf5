/**
 * The spam filter of the seeds, on the experiment runner: SpamAssassin e-mails → cleaning (headers, HTML,
 * case) → TF-IDF → MLP, trained, evaluated on held-out rows and registered exactly as
 * `ingot train examples/specs/spam.yaml` does (a throw-away SQLite registry), then the saved model
 * directory is copied out with its evaluation, an ROC curve and a confusion matrix.
 * test/fixtures/zoo-spam-make-baseline.py records scikit-learn on the same split.
 *
 *   npx tsx examples/spam-mlp.ts [--quick] [--seed 42]
 *
 * The split helpers here (loadSpamSplits) are shared by spam-lstm and spam-bert, so all three scenarios
 * are scored on the same held-out e-mails.
 */
import { cp, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { loadExperimentSpec, loadSource, prepareData, runExperiment, splitData, type ExperimentSpec, type RunEvaluation } from "../src/experiment/index.js";
import { writeFileAtomic } from "../src/io/atomic.js";
import { heatmap, linePlot, saveCharts } from "../src/plot/index.js";
import { openRegistry } from "../src/registry/index.js";
import type { Table } from "../src/data/table.js";
import type { CleanOptions } from "../src/data/text/index.js";

/** The spam experiment spec every spam scenario reads its data, cleaning and split from. */
export const SPAM_SPEC = resolve(import.meta.dirname, "specs/spam.yaml");

/** One part of the split: raw e-mails, labels (1 = spam) and their row numbers in the catalog table. */
export interface SpamPart {
  texts: string[];
  labels: number[];
  /** Row index in loadDataset("spam-assassin") order (the baseline script reads the same order). */
  rows: number[];
}

/** The spam split of examples/specs/spam.yaml, with the spec's cleaning options. */
export interface SpamSplits {
  train: SpamPart;
  val: SpamPart;
  test: SpamPart;
  clean: CleanOptions;
  spec: ExperimentSpec;
}

function part(t: Table): SpamPart {
  return {
    texts: t.column("text").values as string[],
    labels: (t.column("label").values as string[]).map((l) => (l === "spam" ? 1 : 0)),
    rows: Array.from(t.column("row").values as Float64Array),
  };
}

/**
 * Loads SpamAssassin and splits it with the experiment runner's own splitData (so the rows are those
 * runExperiment trains and scores on); `quick` keeps the runner's QUICK_ROWS stratified sample.
 */
export async function loadSpamSplits(quick = false): Promise<SpamSplits> {
  const spec = await loadExperimentSpec(SPAM_SPEC);
  const raw = await loadSource(spec.data.source);
  const data = prepareData(spec, raw);
  if (data.dropped !== 0) throw new Error(`spam: ${data.dropped} rows dropped; the row numbers would no longer match the catalog order`);
  // a row-number column rides along through the split, so other tools can rebuild it
  const table = data.table.withColumn({ name: "row", type: "number", values: Float64Array.from({ length: data.table.numRows }, (_, i) => i) });
  const s = splitData(spec, { ...data, table }, quick);
  if (!s.val) throw new Error("spam: examples/specs/spam.yaml must ask for a validation split");
  return { train: part(s.train), val: part(s.val), test: part(s.test), clean: spec.preprocessing.clean ?? { lowercase: true }, spec };
}

/** Writes `value` as pretty JSON, atomically. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, async (fh) => {
    await fh.writeFile(`${JSON.stringify(value, null, 2)}\n`);
  });
}

/** Copies a directory into place through a temp sibling, so `to` is never half-written. */
async function copyDir(from: string, to: string): Promise<void> {
  const tmp = `${to}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await cp(from, tmp, { recursive: true });
  await rm(to, { recursive: true, force: true });
  await rename(tmp, to);
}

/** What runSpamMlp returns (and the script prints as its last line). */
export interface SpamMlpMetrics {
  scenario: "spam-mlp";
  quick: boolean;
  trainRows: number;
  testRows: number;
  vocabulary: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number;
  epochs: number;
  firstLoss: number;
  lastLoss: number;
  trainSeconds: number;
  modelDir: string;
}

/** Options of runSpamMlp. */
export interface SpamMlpOptions {
  /** The runner's quick mode: 1200 e-mails, 3000 terms, 5 epochs. */
  quick?: boolean;
  /** Training seed (the split keeps the spec's seed). */
  seed?: number;
  /** Where the model, evaluation and plots go (default out/examples/spam-mlp). */
  outDir?: string;
  /** Draw fit()'s progress bar. */
  verbose?: boolean;
}

/** Trains the spam spec through runExperiment and returns the held-out metrics. */
export async function runSpamMlp(opts: SpamMlpOptions = {}): Promise<SpamMlpMetrics> {
  const quick = opts.quick ?? false;
  const outDir = resolve(opts.outDir ?? "out/examples/spam-mlp");
  const spec = await loadExperimentSpec(SPAM_SPEC);
  if (opts.seed !== undefined) spec.training.seed = opts.seed;
  // five quick epochs need a larger step than the full run's eight
  if (quick) spec.training.lr = 0.005;
  const root = await mkdtemp(join(tmpdir(), "ingot-spam-mlp-"));
  // an explicit empty URL keeps the throw-away registry on SQLite whatever INGOT_DATABASE_URL says
  const registry = openRegistry({ root, databaseUrl: "" });
  try {
    const r = await runExperiment(spec, {
      registry, quick, progress: opts.verbose ?? false,
      onEpoch: (l) => { if (opts.verbose) console.error(`epoch ${l.epoch}: loss ${l.loss.toFixed(4)} val loss ${l.valLoss?.toFixed(4)}`); },
    });
    const run = await registry.getRun(r.runId);
    const modelDir = join(outDir, "model");
    await mkdir(outDir, { recursive: true });
    await copyDir(r.modelDir, modelDir);
    await writeJson(join(outDir, "evaluation.json"), r.evaluation);
    await writeSpamPlots(outDir, "TF-IDF + MLP", r.evaluation);
    const m = r.evaluation.metrics;
    return {
      scenario: "spam-mlp", quick, trainRows: Number(run.params.trainRows), testRows: Number(run.params.testRows), vocabulary: Number(run.params.inputWidth),
      accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1, rocAuc: m.rocAuc,
      epochs: r.history.length, firstLoss: r.history[0].loss, lastLoss: r.history.at(-1)!.loss, trainSeconds: r.durationMs / 1000, modelDir,
    };
  } finally {
    await registry.close();
    await rm(root, { recursive: true, force: true });
  }
}

/** Draws the held-out ROC curve and confusion matrix of `evaluation` under outDir (roc.svg/png, confusion.svg/png). */
export async function writeSpamPlots(outDir: string, title: string, evaluation: RunEvaluation): Promise<void> {
  const { roc, confusionMatrix, classes } = evaluation;
  if (!roc || !confusionMatrix) throw new Error("writeSpamPlots: the evaluation has no ROC curve or confusion matrix (were both classes in the test rows?)");
  const rocSvg = linePlot({
    title: `${title}: held-out ROC (AUC ${roc.auc.toFixed(4)})`, xLabel: "false positive rate", yLabel: "true positive rate",
    series: [{ name: "model", x: roc.fpr, y: roc.tpr }, { name: "chance", x: [0, 1], y: [0, 1], dashed: true }],
  });
  const cmSvg = heatmap({
    title: `${title}: held-out confusion matrix`, matrix: confusionMatrix, rowLabels: classes, colLabels: classes,
    rowTitle: "actual", colTitle: "predicted", colorMap: "blues", showValues: true,
  });
  await saveCharts(outDir, { roc: rocSvg, confusion: cmSvg });
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const m = await runSpamMlp({ quick: process.argv.includes("--quick"), seed: flag("seed"), verbose: true });
  console.log(`held-out F1 ${m.f1.toFixed(4)}  precision ${m.precision.toFixed(4)}  recall ${m.recall.toFixed(4)}  ROC AUC ${m.rocAuc.toFixed(4)}  (${m.trainSeconds.toFixed(1)} s)`);
  console.log(JSON.stringify(m));
}
