/**
 * Image classification on shapes the example draws itself (examples/shapes-data.ts): 32×32 canvases
 * augmented each epoch by src/data's image steps (random 28×28 crop, horizontal flip, Gaussian noise),
 * a small CNN (Conv2d → BatchNorm2d → ReLU → MaxPool2d, twice, then Linear layers) trained by fit() with
 * Adam, test accuracy on fresh images, and saliency maps: |∂ class score / ∂ pixel| through autograd.
 * bench/zoo/cnn-images.py trains the same CNN in PyTorch on the same pixels (exported as .npy).
 *
 *   npx tsx examples/cnn-images.ts [--quick] [--epochs 8] [--seed 0] [--export-data]
 */
import { join } from "node:path";
import {
  Accuracy, Adam, BatchNorm2d, confusionMatrix, Conv2d, Flatten, Generator, getBackend, image, Linear, manualSeed, MaxPool2d,
  noGrad, ReLU, saveModelDir, Sequential, tensor, type Tensor,
} from "../src/index.js";
import { heatmap, imageGrid, linePlot, saveCharts } from "../src/plot/index.js";
import { evaluate, fit, type EpochLogs, type History } from "../src/train/index.js";
import { exportShapes, generateShapes, labelsTensor, SHAPE_CLASSES, writeOutput, type ShapeImages } from "./shapes-data.js";

/** The canvas the generator draws on; training crops CROP×CROP windows out of it. */
export const CANVAS = 32;
export const CROP = 28;

/** Augmentation while training; with train false the same list is a centre crop (what serving replays). */
export const IMAGE_STEPS: image.ImageStep[] = [
  { op: "randomCrop", height: CROP, width: CROP },
  { op: "horizontalFlip", p: 0.5 },
  { op: "gaussianNoise", std: 0.05 },
];

/** The CNN: two conv blocks (16 and 32 channels) halving 28 → 14 → 7, then 1568 → 64 → classes. */
export function cnnModel(classes: number = SHAPE_CLASSES.length): Sequential {
  return new Sequential(
    new Conv2d(1, 16, 3, { padding: 1 }), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2),
    new Conv2d(16, 32, 3, { padding: 1 }), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(32 * 7 * 7, 64), new ReLU(), new Linear(64, classes),
  );
}

/** Runs IMAGE_STEPS over every image of `d` ([n, 1, CANVAS, CANVAS] → [n, 1, CROP, CROP]). */
export function augment(d: ShapeImages, train: boolean, generator: Generator): Tensor {
  const px = CROP * CROP;
  const out = new Float32Array(d.n * px);
  const canvas = d.size * d.size;
  for (let i = 0; i < d.n; i++) {
    const one = tensor(d.pixels.subarray(i * canvas, (i + 1) * canvas), { shape: [1, d.size, d.size] });
    const t = image.applyImageSteps(one, IMAGE_STEPS, { train, generator });
    out.set(t.dataSync() as Float32Array, i * px);
    one.dispose();
    t.dispose();
  }
  return tensor(out, { shape: [d.n, 1, CROP, CROP] });
}

/**
 * Saliency maps (Simonyan et al. 2013): the gradient of each image's predicted-class logit with respect
 * to its pixels, as |grad| [n, CROP*CROP]. One backward pass serves the whole batch because each logit
 * depends only on its own image (the model is in eval mode, so BatchNorm uses running statistics).
 */
export function saliency(model: Sequential, x: Tensor): { maps: Float32Array; predicted: Int32Array } {
  model.eval();
  const input = x.detach().requiresGrad_();
  const logits = model.call(input);
  const predicted = logits.argmax(1);
  const score = logits.gather(1, predicted.reshape([-1, 1])).sum();
  score.backward();
  const maps = Float32Array.from(input.grad!.dataSync() as Float32Array, Math.abs);
  const pred = Int32Array.from(predicted.dataSync() as Int32Array);
  [logits, predicted, score, input].forEach((t) => t.dispose());
  return { maps, predicted: pred };
}

/**
 * How much of the saliency lies on the shape: mean |grad| on pixels brighter than 0.35 (the shape) over
 * mean |grad| on the rest. A model that looks at the shape scores well above 1; one that does not, ≈ 1.
 */
export function saliencyFocus(maps: Float32Array, pixels: Float32Array): number {
  let on = 0, nOn = 0, off = 0, nOff = 0;
  for (let k = 0; k < maps.length; k++) {
    if (pixels[k] > 0.35) { on += maps[k]; nOn++; } else { off += maps[k]; nOff++; }
  }
  return nOn > 0 && nOff > 0 && off > 0 ? on / nOn / (off / nOff) : 0;
}

/** What runCnnImages returns (the script prints it as its JSON line, without the history). */
export interface CnnImagesResult {
  testAccuracy: number;
  testLoss: number;
  perClassAccuracy: Record<string, number>;
  /** Mean saliency on shape pixels over mean saliency on background pixels (see saliencyFocus). */
  saliencyFocus: number;
  trainImages: number;
  testImages: number;
  epochs: number;
  firstEpochLoss: number;
  lastEpochLoss: number;
  trainSeconds: number;
  seconds: number;
  backend: string;
  outDir: string;
  history: History;
}

/** runCnnImages options. */
export interface CnnImagesOptions {
  quick?: boolean;
  seed?: number;
  epochs?: number;
  /** Where model/, plots and data go. Default out/examples/cnn-images. */
  outDir?: string;
  /** Also write the generated train/test pixels as .npy files for bench/zoo/cnn-images.py. */
  exportData?: boolean;
  verbose?: boolean;
}

/** Generates the data, trains the CNN, evaluates it, writes the model directory and plots. */
export async function runCnnImages(opts: CnnImagesOptions = {}): Promise<CnnImagesResult> {
  const started = performance.now();
  const seed = opts.seed ?? 0;
  const quick = opts.quick ?? false;
  const epochs = opts.epochs ?? (quick ? 3 : 8);
  const outDir = opts.outDir ?? join("out", "examples", "cnn-images");
  const log = (msg: string): void => {
    if (opts.verbose) console.error(msg);
  };
  manualSeed(seed);
  // train and test come from different seeds: the test images are new draws, never augmented copies
  const trainData = generateShapes(quick ? 1800 : 12000, { seed: seed * 2 + 1, size: CANVAS, margin: 3 });
  const testData = generateShapes(quick ? 600 : 2400, { seed: seed * 2 + 2, size: CANVAS, margin: 3 });
  if (opts.exportData) {
    await exportShapes(trainData, join(outDir, "data"), "train");
    await exportShapes(testData, join(outDir, "data"), "test");
  }
  log(`generated ${trainData.n} train and ${testData.n} test images of ${SHAPE_CLASSES.join(", ")}`);

  const model = cnnModel();
  const optimizer = new Adam(model.parameters(), { lr: 2e-3 });
  const augmentRng = new Generator(seed + 100);
  const yTrain = labelsTensor(trainData);
  const test = { x: augment(testData, false, augmentRng), y: labelsTensor(testData) };
  const history: History = [];
  const trainStart = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    // fresh augmentation every epoch: fit() runs one epoch at a time, resuming its count via initialEpoch
    const x = augment(trainData, true, augmentRng);
    const logs: EpochLogs[] = await fit(model, {
      train: { x, y: yTrain }, val: test, loss: "crossEntropy", optimizer, epochs: epoch, initialEpoch: epoch - 1,
      batchSize: 64, metrics: [new Accuracy()], seed: seed + epoch, verbose: opts.verbose ?? false,
    });
    x.dispose();
    history.push(...logs);
    log(`epoch ${epoch}/${epochs}: loss ${logs[0].loss.toFixed(4)} accuracy ${logs[0].accuracy?.toFixed(4)} val accuracy ${logs[0].valAccuracy?.toFixed(4)}`);
  }
  const trainSeconds = (performance.now() - trainStart) / 1000;
  model.eval();
  const scores = evaluate(model, test, { loss: "crossEntropy", metrics: [new Accuracy()] });
  const predicted = noGrad(() => {
    const logits = model.call(test.x);
    const p = logits.argmax(1);
    const out = Int32Array.from(p.dataSync() as Int32Array);
    logits.dispose();
    p.dispose();
    return out;
  });
  const cm = confusionMatrix(Array.from(testData.labels), Array.from(predicted), { labels: SHAPE_CLASSES.map((_, i) => i) });
  const perClassAccuracy = Object.fromEntries(SHAPE_CLASSES.map((c, i) => [c, cm[i][i] / cm[i].reduce((a, b) => a + b, 0)]));

  // saliency for the first 12 test images (two of each class)
  const nSal = 12;
  const salX = test.x.narrow(0, 0, nSal);
  const { maps } = saliency(model, salX);
  const salPixels = Float32Array.from(salX.dataSync() as Float32Array);
  const focus = saliencyFocus(maps, salPixels);
  salX.dispose();

  await saveModelDir(join(outDir, "model"), {
    architecture: model.getConfig(),
    stateDict: model.stateDict(),
    preprocessing: { input: [1, CANVAS, CANVAS], imageSteps: IMAGE_STEPS, classes: [...SHAPE_CLASSES] },
    metadata: { example: "cnn-images", testAccuracy: scores.accuracy, seed, epochs },
  });
  await writePlots(outDir, { testData, test: test.x, predicted, maps, cm, history });
  const result: CnnImagesResult = {
    testAccuracy: scores.accuracy,
    testLoss: scores.loss,
    perClassAccuracy,
    saliencyFocus: focus,
    trainImages: trainData.n,
    testImages: testData.n,
    epochs,
    firstEpochLoss: history[0].loss,
    lastEpochLoss: history[history.length - 1].loss,
    trainSeconds,
    seconds: (performance.now() - started) / 1000,
    backend: getBackend().name,
    outDir,
    history,
  };
  [yTrain, test.x, test.y].forEach((t) => t.dispose());
  model.dispose();
  return result;
}

interface PlotInputs {
  testData: ShapeImages;
  test: Tensor;
  predicted: Int32Array;
  maps: Float32Array;
  cm: number[][];
  history: History;
}

/** Sample grid, saliency grid (image row over saliency row), confusion-matrix heatmap, loss curve. */
async function writePlots(outDir: string, p: PlotInputs): Promise<void> {
  const px = CROP * CROP;
  const testPixels = p.test.dataSync() as Float32Array;
  const crop = (i: number): Float32Array => testPixels.slice(i * px, (i + 1) * px);
  // samples: 24 raw test canvases with their true class
  const samples = Array.from({ length: 24 }, (_, i) => i);
  const canvas = p.testData.size * p.testData.size;
  const sampleSvg = imageGrid({
    images: samples.map((i) => ({ width: p.testData.size, height: p.testData.size, data: p.testData.pixels.slice(i * canvas, (i + 1) * canvas) })),
    labels: samples.map((i) => SHAPE_CLASSES[p.testData.labels[i]]), columns: 8, title: "generated test images",
  });
  // saliency: each map scaled to its own maximum, shown under its image with the predicted class
  const nSal = p.maps.length / px;
  const scaled = Array.from({ length: nSal }, (_, i) => {
    const m = p.maps.slice(i * px, (i + 1) * px);
    const max = m.reduce((a, b) => Math.max(a, b), 1e-12);
    return m.map((v) => v / max);
  });
  const salSvg = imageGrid({
    images: [...Array.from({ length: nSal }, (_, i) => ({ width: CROP, height: CROP, data: crop(i) })), ...scaled.map((data) => ({ width: CROP, height: CROP, data }))],
    labels: [...Array.from({ length: nSal }, (_, i) => `pred ${SHAPE_CLASSES[p.predicted[i]]}`), ...Array.from({ length: nSal }, () => "|∂score/∂x|")],
    columns: nSal, cellSize: 72, title: "saliency: images (top) and |gradient of the predicted class score| (bottom)",
  });
  const cmSvg = heatmap({
    matrix: p.cm, rowLabels: [...SHAPE_CLASSES], colLabels: [...SHAPE_CLASSES], rowTitle: "actual", colTitle: "predicted",
    colorMap: "blues", showValues: true, title: "test confusion matrix",
  });
  const epochs = p.history.map((h) => h.epoch);
  const lossSvg = linePlot({
    series: [
      { name: "train loss", x: epochs, y: p.history.map((h) => h.loss) },
      { name: "test loss", x: epochs, y: p.history.map((h) => h.valLoss ?? Number.NaN), dashed: true },
    ],
    xLabel: "epoch", yLabel: "cross-entropy", title: "CNN on generated shapes",
  });
  await saveCharts(outDir, { samples: sampleSvg, saliency: salSvg, confusion: cmSvg, loss: lossSvg });
  await writeOutput(join(outDir, "confusion.json"), `${JSON.stringify({ classes: SHAPE_CLASSES, matrix: p.cm })}\n`);
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runCnnImages({
    quick: process.argv.includes("--quick"), epochs: flag("epochs"), seed: flag("seed"), exportData: process.argv.includes("--export-data"), verbose: true,
  });
  const { history: _history, ...summary } = r;
  console.log(JSON.stringify(summary));
}
