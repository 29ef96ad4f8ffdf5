/**
 * The Keras tabular example on Ingot's fit(): predict a penguin's sex from its species and four body
 * measurements (the real Palmer penguins table shipped by the vega-datasets package). Standardised
 * features → Linear(64) ReLU → Linear(64) ReLU → Linear(1) Sigmoid, Adam, binary cross-entropy, a
 * train/val/test split, early stopping on the validation loss, then evaluate() on the test rows.
 * test/fixtures/make-tabular-baseline.py records scikit-learn's accuracy on the same split.
 *
 *   npx tsx examples/tabular-mlp.ts [--quick] [--epochs 100] [--seed 0]
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Accuracy, Adam, AUROC, getBackend, Linear, manualSeed, ReLU, Sequential, Sigmoid, tensor, type Tensor } from "../src/index.js";
import { EarlyStopping, evaluate, fit, type Dataset, type History } from "../src/train/index.js";

const SPECIES = ["Adelie", "Chinstrap", "Gentoo"];
const NUMERIC = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"];

/** The three splits of the penguins table, standardised with the training rows' statistics. */
export interface PenguinSplits {
  train: Dataset;
  val: Dataset;
  test: Dataset;
  features: number;
}

/**
 * Loads the penguins, drops rows with a missing value, and splits in file order: row i goes to test when
 * i % 5 == 0, to validation when i % 5 == 1, to train otherwise (the baseline script splits the same way).
 * y is [N, 1] float32, 1 for MALE.
 */
export function loadPenguins(): PenguinSplits {
  // vega-datasets' exports map hides its data folder: locate its entry point (build/index.js), read beside it
  const pkgDir = join(dirname(createRequire(import.meta.url).resolve("vega-datasets")), "..");
  type Row = Record<string, string | number | null>;
  const rows = (JSON.parse(readFileSync(join(pkgDir, "data", "penguins.json"), "utf8")) as Row[]).filter(
    (r) => (r.Sex === "MALE" || r.Sex === "FEMALE") && NUMERIC.every((k) => typeof r[k] === "number"),
  );
  const raw = rows.map((r) => [...SPECIES.map((s) => (r.Species === s ? 1 : 0)), ...NUMERIC.map((k) => r[k] as number)]);
  const labels = rows.map((r) => (r.Sex === "MALE" ? 1 : 0));
  const pick = (keep: (fold: number) => boolean): number[] => rows.map((_, i) => i).filter((i) => keep(i % 5));
  const trainIdx = pick((f) => f >= 2);
  const dims = raw[0].length;
  const mean = Array.from({ length: dims }, (_, j) => trainIdx.reduce((s, i) => s + raw[i][j], 0) / trainIdx.length);
  const std = Array.from({ length: dims }, (_, j) => Math.sqrt(trainIdx.reduce((s, i) => s + (raw[i][j] - mean[j]) ** 2, 0) / trainIdx.length));
  const data = (idx: number[]): Dataset => ({
    x: tensor(idx.map((i) => raw[i].map((v, j) => (v - mean[j]) / std[j]))),
    y: tensor(idx.map((i) => [labels[i]])),
  });
  return { train: data(trainIdx), val: data(pick((f) => f === 1)), test: data(pick((f) => f === 0)), features: dims };
}

/** The Keras example's model: two ReLU layers of 64, a sigmoid output. */
export function tabularModel(features: number): Sequential {
  return new Sequential(new Linear(features, 64), new ReLU(), new Linear(64, 64), new ReLU(), new Linear(64, 1), new Sigmoid());
}

/** What trainTabular returns (the example prints it as its last line). */
export interface TabularResult {
  testAccuracy: number;
  testAuroc: number;
  testLoss: number;
  bestEpoch: number;
  epochsRun: number;
  backend: string;
  seconds: number;
  history: History;
}

/** Trains the example and evaluates it on the held-out test rows. `quick` trains fewer epochs. */
export async function trainTabular(opts: { epochs?: number; seed?: number; quick?: boolean; verbose?: boolean } = {}): Promise<TabularResult> {
  const seed = opts.seed ?? 0;
  const epochs = opts.epochs ?? (opts.quick ? 40 : 100);
  const started = performance.now();
  manualSeed(seed);
  const { train, val, test, features } = loadPenguins();
  const model = tabularModel(features);
  const stopper = new EarlyStopping({ monitor: "valLoss", patience: 10, restoreBestWeights: true });
  const history = await fit(model, {
    train,
    val,
    loss: "bce",
    optimizer: new Adam(model.parameters(), { lr: 1e-3 }),
    epochs,
    batchSize: 32,
    metrics: [new Accuracy()],
    callbacks: [stopper],
    seed,
    verbose: opts.verbose ?? false,
  });
  const scores = evaluate(model, test, { loss: "bce", metrics: [new Accuracy(), new AUROC()] });
  const dispose = (d: Dataset): void => [d.x, d.y].forEach((t: Tensor) => t.dispose());
  [train, val, test].forEach(dispose);
  model.dispose();
  return {
    testAccuracy: scores.accuracy,
    testAuroc: scores.auroc,
    testLoss: scores.loss,
    bestEpoch: stopper.bestEpoch,
    epochsRun: history.length,
    backend: getBackend().name,
    seconds: (performance.now() - started) / 1000,
    history,
  };
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await trainTabular({ epochs: flag("epochs"), seed: flag("seed"), quick: process.argv.includes("--quick"), verbose: true });
  console.log(`test accuracy ${(r.testAccuracy * 100).toFixed(1)}%  AUROC ${r.testAuroc.toFixed(3)}  (best epoch ${r.bestEpoch} of ${r.epochsRun}, ${r.backend} backend, ${r.seconds.toFixed(2)} s)`);
  const { history: _history, ...summary } = r;
  console.log(JSON.stringify(summary));
}
