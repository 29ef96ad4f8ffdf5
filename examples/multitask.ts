/**
 * Multi-task learning on the Palmer penguins: one shared trunk (Linear 32 → ReLU → Linear 32 → ReLU)
 * with two heads, species (3-way classification, cross entropy) and body mass (regression on the
 * standardised grams, MSE), trained on the weighted sum of the two losses. Inputs: beak length, beak
 * depth, flipper length, island and sex. Each head is compared with a single-task network of the same
 * shape trained on its loss alone, on the same held-out rows (i % 5 == 0). With --export-data it also
 * writes twin/ (the standardised features and targets of both splits, each network's initial weights,
 * the settings) for bench/zoo/multitask_torch.py, the PyTorch and scikit-learn replay.
 *
 *   npx tsx examples/multitask.ts [--quick] [--seed 0] [--mass-weight 1] [--export-data]
 */
import { join } from "node:path";
import { loadDataset, isMissing } from "../src/data/index.js";
import { saveModelDir } from "../src/io/index.js";
import { crossEntropy, mseLoss } from "../src/losses/index.js";
import { accuracy, confusionMatrix, r2Score, rootMeanSquaredError } from "../src/metrics/index.js";
import { ConfigReader, Linear, Module, registerLayer, ReLU, Sequential, type LayerConfig } from "../src/nn/index.js";
import { Adam } from "../src/optim/index.js";
import { heatmap, linePlot, saveCharts, scatterPlot } from "../src/plot/index.js";
import { cast, cat, manualSeed, narrow, tensor, type Tensor } from "../src/tensor/index.js";
import { fit, predict, type Dataset, type History } from "../src/train/index.js";
import { writeOutput } from "./shapes-data.js";
import { writeNpyTensors } from "./spam-lstm.js";

const SPECIES = ["Adelie", "Chinstrap", "Gentoo"];
const ISLANDS = ["Biscoe", "Dream", "Torgersen"];
const MEASURES = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)"];

/** The shared trunk. */
function trunk(inputSize: number, hidden: number): Sequential {
  return new Sequential(new Linear(inputSize, hidden), new ReLU(), new Linear(hidden, hidden), new ReLU());
}

/** Shared trunk, species head (3 logits) and mass head (1 value); forward returns them side by side as [N, 4]. */
export class PenguinMultiTask extends Module {
  trunk: Sequential;
  speciesHead: Linear;
  massHead: Linear;

  constructor(readonly inputSize: number, readonly hidden: number) {
    super();
    this.trunk = trunk(inputSize, hidden);
    this.speciesHead = new Linear(hidden, SPECIES.length);
    this.massHead = new Linear(hidden, 1);
  }

  override forward(x: Tensor): Tensor {
    const h = this.trunk.call(x);
    return cat([this.speciesHead.call(h), this.massHead.call(h)], 1);
  }

  override getConfig(): LayerConfig {
    return { type: "PenguinMultiTask", inputSize: this.inputSize, hidden: this.hidden };
  }
}
registerLayer("PenguinMultiTask", (c) => { const r = new ConfigReader(c); return new PenguinMultiTask(r.int("inputSize"), r.int("hidden")); }, { replace: true });

/** The species cross entropy plus `massWeight` × the mass MSE, for outputs [N, 4] against targets [N, 2] = (species index, standardised mass). */
export function multiTaskLoss(massWeight: number): (pred: Tensor, y: Tensor) => Tensor {
  return (pred, y) => {
    const n = y.shape[0];
    const species = cast(narrow(y, 1, 0, 1).reshape([n]), "int32");
    return crossEntropy(narrow(pred, 1, 0, SPECIES.length), species).add(mseLoss(narrow(pred, 1, SPECIES.length, 1), narrow(y, 1, 1, 1)).mul(massWeight));
  };
}

/** Features [N, 7] (3 measures, 3 islands one-hot, sex) standardised on the training rows, species indices and masses of each split. */
export interface PenguinTasks {
  train: { x: number[][]; species: number[]; mass: number[] };
  test: { x: number[][]; species: number[]; mass: number[] };
  massMean: number;
  massStd: number;
}

/** Loads the penguins (rows with any missing input dropped) and splits by row index: i % 5 == 0 → test. */
export async function loadPenguinTasks(): Promise<PenguinTasks> {
  const t = await loadDataset("penguins");
  const cols = ["Species", "Island", "Sex", "Body Mass (g)", ...MEASURES].map((n) => t.column(n));
  const keep = Array.from({ length: t.numRows }, (_, i) => i).filter((i) => cols.every((c) => !isMissing(c, i)) && ["MALE", "FEMALE"].includes(String(cols[2].values[i])));
  const num = (name: string, i: number): number => Number(t.column(name).values[i]);
  const str = (name: string, i: number): string => String(t.column(name).values[i]);
  const raw = keep.map((i) => [...MEASURES.map((m) => num(m, i)), ...ISLANDS.map((s) => (str("Island", i) === s ? 1 : 0)), str("Sex", i) === "MALE" ? 1 : 0]);
  const trainRows = keep.map((_, r) => r).filter((r) => r % 5 !== 0), testRows = keep.map((_, r) => r).filter((r) => r % 5 === 0);
  const d = raw[0].length;
  const mean = Array.from({ length: d }, (_, j) => trainRows.reduce((s, r) => s + raw[r][j], 0) / trainRows.length);
  const std = Array.from({ length: d }, (_, j) => Math.sqrt(trainRows.reduce((s, r) => s + (raw[r][j] - mean[j]) ** 2, 0) / trainRows.length) || 1);
  const masses = keep.map((i) => num("Body Mass (g)", i));
  const massMean = trainRows.reduce((s, r) => s + masses[r], 0) / trainRows.length;
  const massStd = Math.sqrt(trainRows.reduce((s, r) => s + (masses[r] - massMean) ** 2, 0) / trainRows.length);
  const split = (rows: number[]): PenguinTasks["train"] => ({
    x: rows.map((r) => raw[r].map((v, j) => (v - mean[j]) / std[j])),
    species: rows.map((r) => SPECIES.indexOf(str("Species", keep[r]))),
    mass: rows.map((r) => masses[r]),
  });
  return { train: split(trainRows), test: split(testRows), massMean, massStd };
}

/** Test-set scores of one head. */
export interface HeadScores {
  speciesAccuracy?: number;
  massRmse?: number;
  massR2?: number;
}

/** What runMultitask returns (the script prints it as its last line). */
export interface MultitaskResult {
  nTrain: number;
  nTest: number;
  massWeight: number;
  /** trainSeconds: the seconds inside that model's fit(), what the PyTorch twin's times compare with. */
  multiTask: Required<HeadScores> & { firstLoss: number; lastLoss: number; trainSeconds: number };
  speciesOnly: { speciesAccuracy: number; trainSeconds: number };
  massOnly: { massRmse: number; massR2: number; trainSeconds: number };
  seconds: number;
}

/** runMultitask options. */
export interface MultitaskOptions {
  quick?: boolean;
  seed?: number;
  outDir?: string;
  verbose?: boolean;
  massWeight?: number;
  /**
   * Also write outDir/twin/ for bench/zoo/multitask_torch.py: {train,test}-{x,species,mass}.npy (standardised
   * features [n, 7], species int32 [n], mass in grams [n]), init-{multi,species,mass}/<parameter>.npy and run.json.
   */
  exportData?: boolean;
}

/** Trains the two-headed model and both single-task baselines; saves the multi-task model under outDir. */
export async function runMultitask(opts: MultitaskOptions = {}): Promise<MultitaskResult> {
  const started = performance.now();
  const seed = opts.seed ?? 0;
  const massWeight = opts.massWeight ?? 1;
  const outDir = opts.outDir ?? join("out", "examples", "multitask");
  const epochs = opts.quick ? 60 : 150;
  const hidden = 32, lr = 3e-3, batchSize = 32;
  const data = await loadPenguinTasks();
  const { train, test, massMean, massStd } = data;
  const z = (g: number): number => (g - massMean) / massStd;
  const x = tensor(train.x), xTest = tensor(test.x);
  const inputSize = train.x[0].length;
  const twinDir = join(outDir, "twin");
  if (opts.exportData) {
    const targets = {
      "train-species": tensor(Int32Array.from(train.species), { dtype: "int32" }), "train-mass": tensor(Float32Array.from(train.mass)),
      "test-species": tensor(Int32Array.from(test.species), { dtype: "int32" }), "test-mass": tensor(Float32Array.from(test.mass)),
    };
    await writeNpyTensors(twinDir, { "train-x": x, "test-x": xTest, ...targets });
    Object.values(targets).forEach((t) => t.dispose());
    await writeOutput(join(twinDir, "run.json"), `${JSON.stringify({ massMean, massStd, massWeight, epochs, hidden, lr, batchSize, seed, quick: opts.quick ?? false })}\n`);
  }
  const fitSeconds: Record<string, number> = {};
  // `name` names the twin's init-<name>/ folder (the untrained weights) and the fitSeconds entry
  const train1 = async (name: string, model: Module, y: Tensor, loss: "crossEntropy" | "mse" | ((p: Tensor, t: Tensor) => Tensor)): Promise<History> => {
    if (opts.exportData) await writeNpyTensors(join(twinDir, `init-${name}`), model.stateDict());
    const d: Dataset = { x, y };
    const fitStarted = performance.now();
    const history = await fit(model, { train: d, loss, optimizer: new Adam(model.parameters(), { lr }), epochs, batchSize, seed, verbose: opts.verbose ?? false });
    fitSeconds[name] = (performance.now() - fitStarted) / 1000;
    return history;
  };
  const argmax3 = (out: Float32Array | ArrayLike<number>, stride: number): number[] =>
    Array.from({ length: out.length / stride }, (_, i) => [0, 1, 2].reduce((b, c) => (out[i * stride + c] > out[i * stride + b] ? c : b), 0));
  const grams = (zs: number[]): number[] => zs.map((v) => v * massStd + massMean);

  manualSeed(seed);
  const multi = new PenguinMultiTask(inputSize, hidden);
  const yMulti = tensor(train.species.map((s, i) => [s, z(train.mass[i])]));
  const history = await train1("multi", multi, yMulti, multiTaskLoss(massWeight));
  const out = predict(multi, xTest).dataSync();
  const multiMass = grams(Array.from({ length: test.mass.length }, (_, i) => out[i * 4 + 3]));
  const multiSpecies = argmax3(out, 4);
  const multiScores = { speciesAccuracy: accuracy(test.species, multiSpecies), massRmse: rootMeanSquaredError(test.mass, multiMass), massR2: r2Score(test.mass, multiMass) };

  manualSeed(seed);
  const speciesNet = new Sequential(trunk(inputSize, hidden), new Linear(hidden, 3));
  const ySpecies = tensor(Int32Array.from(train.species), { dtype: "int32" });
  await train1("species", speciesNet, ySpecies, "crossEntropy");
  const speciesAccuracy = accuracy(test.species, argmax3(predict(speciesNet, xTest).dataSync(), 3));

  manualSeed(seed);
  const massNet = new Sequential(trunk(inputSize, hidden), new Linear(hidden, 1));
  const yMass = tensor(train.mass.map((g) => [z(g)]));
  await train1("mass", massNet, yMass, "mse");
  const massOnly = grams(Array.from(predict(massNet, xTest).dataSync()));

  await saveModelDir(join(outDir, "model"), {
    architecture: multi.getConfig(),
    stateDict: multi.stateDict(),
    preprocessing: { type: "standardize", inputs: [...MEASURES, ...ISLANDS.map((s) => `Island=${s}`), "Sex=MALE"], outputs: { species: SPECIES, massMean, massStd } },
    metadata: { dataset: "penguins", massWeight, ...multiScores },
  });
  const plots: Record<string, string> = {
    "species-confusion": heatmap({
      matrix: confusionMatrix(test.species, multiSpecies, { labels: [0, 1, 2] }), rowLabels: SPECIES, colLabels: SPECIES,
      rowTitle: "actual", colTitle: "predicted", title: "Species head, test rows", colorMap: "blues",
    }),
    "mass-predicted-vs-actual": scatterPlot({
      series: [{ name: "multi-task", x: test.mass, y: multiMass }, { name: "mass only", x: test.mass, y: massOnly }],
      line: { slope: 1, intercept: 0, name: "y = x" }, title: "Body mass head, test rows", xLabel: "actual (g)", yLabel: "predicted (g)",
    }),
    loss: linePlot({ series: [{ name: "weighted loss", x: history.map((h) => h.epoch), y: history.map((h) => h.loss) }], title: "Multi-task training loss", xLabel: "epoch", yLabel: "CE + w·MSE", logY: true }),
  };
  await saveCharts(outDir, plots);
  [x, xTest, yMulti, ySpecies, yMass].forEach((t) => t.dispose());
  [multi, speciesNet, massNet].forEach((m) => m.dispose());
  return {
    nTrain: train.x.length,
    nTest: test.x.length,
    massWeight,
    multiTask: { ...multiScores, firstLoss: history[0].loss, lastLoss: history.at(-1)!.loss, trainSeconds: fitSeconds.multi },
    speciesOnly: { speciesAccuracy, trainSeconds: fitSeconds.species },
    massOnly: { massRmse: rootMeanSquaredError(test.mass, massOnly), massR2: r2Score(test.mass, massOnly), trainSeconds: fitSeconds.mass },
    seconds: (performance.now() - started) / 1000,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string): number | undefined => { const i = process.argv.indexOf(`--${name}`); return i >= 0 ? Number(process.argv[i + 1]) : undefined; };
  const r = await runMultitask({ quick: process.argv.includes("--quick"), seed: arg("seed"), massWeight: arg("mass-weight"), exportData: process.argv.includes("--export-data"), verbose: true });
  console.error(`multi-task: species accuracy ${(r.multiTask.speciesAccuracy * 100).toFixed(1)}%, mass RMSE ${r.multiTask.massRmse.toFixed(0)} g (R² ${r.multiTask.massR2.toFixed(3)})`);
  console.error(`single-task: species accuracy ${(r.speciesOnly.speciesAccuracy * 100).toFixed(1)}%, mass RMSE ${r.massOnly.massRmse.toFixed(0)} g (R² ${r.massOnly.massR2.toFixed(3)})`);
  console.log(JSON.stringify(r));
}
