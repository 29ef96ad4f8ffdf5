/**
 * Generative adversarial networks, twice. (1) The classic mode-collapse test: a mixture of 8 Gaussians
 * on a ring, an MLP generator and discriminator trained with the non-saturating loss and Adam; reported
 * as mode coverage (modes that receive ≥ 1% of samples) and quality (share of samples within 3σ of a
 * mode). (2) A DCGAN (Radford et al. 2016: transposed convolutions up, strided convolutions down,
 * BatchNorm, Adam 2e-4 with β1 = 0.5) on the generated 32×32 shape images (examples/shapes-data.ts),
 * saving a grid of samples from a fixed noise batch after every epoch. Its samples are judged by a
 * small CNN trained on real shapes: the share it labels with ≥ 90% confidence, and how many of the 6
 * classes those span, next to the same numbers for real images and for the untrained generator.
 *
 *   npx tsx examples/gan.ts [--quick] [--seed 0]
 */
import { join } from "node:path";
import {
  Adam, BatchNorm2d, binaryCrossEntropyWithLogits, Conv2d, ConvTranspose2d, Flatten, full, Generator, getBackend, LeakyReLU, Linear, manualSeed,
  MaxPool2d, noGrad, normal_, ones, randn, ReLU, saveModelDir, scope, Sequential, Sigmoid, softmax, Tanh, tensor, zeros, zeros_,
  type Module, type Optimizer, type Tensor,
} from "../src/index.js";
import { imageGrid, linePlot, savePlot, savePng, scatterPlot } from "../src/plot/index.js";
import { fit } from "../src/train/index.js";
import { ProgressBar } from "../src/train/progress.js";
import { generateShapes, SHAPE_CLASSES, type ShapeImages } from "./shapes-data.js";

/** The ring: MODES Gaussians of std SIGMA centred on a circle of radius RADIUS. */
export const MODES = 8;
export const RADIUS = 2;
export const SIGMA = 0.05;

/** The centres of the ring's modes, [x, y] each. */
export function modeCentres(): [number, number][] {
  return Array.from({ length: MODES }, (_, k) => [RADIUS * Math.cos((2 * Math.PI * k) / MODES), RADIUS * Math.sin((2 * Math.PI * k) / MODES)]);
}

/** n points [n, 2] from the ring mixture (uniform over modes). */
export function sampleRing(n: number, g: Generator): Float32Array {
  const centres = modeCentres();
  const k = g.integers(n, 0, MODES);
  const eps = g.normal(2 * n, 0, SIGMA);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = centres[k[i]][0] + eps[2 * i];
    out[2 * i + 1] = centres[k[i]][1] + eps[2 * i + 1];
  }
  return out;
}

/** Mode coverage of points [n, 2]: modes hit by ≥ 1% of the samples, and the share within 3σ of a mode. */
export function modeCoverage(points: Float32Array): { modesCovered: number; highQuality: number; perMode: number[] } {
  const centres = modeCentres();
  const n = points.length / 2;
  const perMode = new Array<number>(MODES).fill(0);
  let good = 0;
  for (let i = 0; i < n; i++) {
    let best = 0, bestD = Infinity;
    for (let k = 0; k < MODES; k++) {
      const d = Math.hypot(points[2 * i] - centres[k][0], points[2 * i + 1] - centres[k][1]);
      if (d < bestD) { bestD = d; best = k; }
    }
    // a sample counts for a mode only when it is a good sample of it, as in Srivastava et al. (VEEGAN)
    if (bestD <= 3 * SIGMA) { good++; perMode[best]++; }
  }
  return { modesCovered: perMode.filter((c) => c >= 0.01 * n).length, highQuality: good / n, perMode: perMode.map((c) => c / n) };
}

/** An MLP: sizes[0] → … → sizes[-1], `hidden` activation between layers, a sigmoid after the last when `sigmoidOut`. */
export function mlp(sizes: readonly number[], hidden: "relu" | "leakyRelu", sigmoidOut = false): Sequential {
  const layers: Module<[Tensor], Tensor>[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new Linear(sizes[i], sizes[i + 1]));
    if (i + 2 < sizes.length) layers.push(hidden === "relu" ? new ReLU() : new LeakyReLU(0.2));
  }
  if (sigmoidOut) layers.push(new Sigmoid());
  return new Sequential(...layers);
}

/** One sample's noise shape: a length (an MLP's [zDim]) or a shape (DCGAN's [zDim, 1, 1]). */
export type NoiseShape = number | readonly number[];

function noiseBatch(n: number, z: NoiseShape, g: Generator): Tensor {
  return randn([n, ...(typeof z === "number" ? [z] : z)], { generator: g });
}

/** ganStep options. */
export interface GanStepOptions {
  /**
   * The discriminator's target for real samples (default 1). One-sided label smoothing (Salimans et al.
   * 2016) sets it to e.g. 0.9, so D cannot grow arbitrarily sure of the real images; fakes stay at 0.
   */
  realLabel?: number;
}

/**
 * One GAN step with the non-saturating loss (Goodfellow et al. 2014): the discriminator learns real → 1,
 * fake → 0; the generator maximises log D(G(z)) rather than minimising log(1 − D(G(z))), which keeps its
 * gradient alive while D still wins easily. `disc` returns one logit per sample, [N, 1]. Returns
 * [discriminator loss, generator loss].
 */
export function ganStep(
  gen: Module, disc: Module, optG: Optimizer, optD: Optimizer, real: Tensor, z: NoiseShape, g: Generator, opts: GanStepOptions = {},
): [number, number] {
  const n = real.shape[0];
  const realLabel = opts.realLabel ?? 1;
  if (!(realLabel > 0.5 && realLabel <= 1)) throw new RangeError(`ganStep: realLabel must be in (0.5, 1], got ${realLabel}`);
  const lossD = scope(() => {
    const fake = noGrad(() => gen.call(noiseBatch(n, z, g)));
    const loss = binaryCrossEntropyWithLogits(disc.call(real), full([n, 1], realLabel)).add(binaryCrossEntropyWithLogits(disc.call(fake), zeros([n, 1])));
    loss.backward();
    return loss.item();
  });
  scope(() => optD.step());
  optD.zeroGrad();
  const lossG = scope(() => {
    const loss = binaryCrossEntropyWithLogits(disc.call(gen.call(noiseBatch(n, z, g))), ones([n, 1]));
    loss.backward();
    return loss.item();
  });
  scope(() => optG.step());
  optG.zeroGrad();
  optD.zeroGrad(); // the generator's backward also filled D's grads: drop them
  return [lossD, lossG];
}

/** What runGan returns (the script prints it as its JSON line). */
export interface GanResult {
  ring: {
    steps: number;
    modesCovered: number;
    highQuality: number;
    /** Same metrics for the untrained generator, for contrast. */
    untrainedModesCovered: number;
    untrainedHighQuality: number;
    finalLossD: number;
    finalLossG: number;
    seconds: number;
  };
  shapes: {
    epochs: number;
    images: number;
    steps: number;
    /** Channel width of the DCGAN (the generator's last hidden layer; the discriminator's first). */
    width: number;
    /** Share of EVAL_N generated samples the shape classifier labels with confidence ≥ CONFIDENT. */
    recognisable: number;
    /** Classes among those confident samples (each holding ≥ 1% of them all); a collapsed GAN scores 1. */
    classes: number;
    /** Per class, the share of generated samples confidently labelled with it. */
    perClass: Record<string, number>;
    /** The same two numbers for held-out real images and for the untrained generator (with its nearestRealRatio), for contrast. */
    real: { recognisable: number; classes: number };
    untrained: { recognisable: number; classes: number; nearestRealRatio: number };
    /** The classifier's top-1 accuracy on the held-out real images. */
    classifierAccuracy: number;
    /**
     * Mean distance from a sample to its nearest real image, over the same for uniform-noise images. Lower is
     * nearer, but not better: a near-black image scores well against these mostly-black images (see untrained).
     */
    nearestRealRatio: number;
    firstEpochLossG: number;
    lastEpochLossG: number;
    /** Time spent training and checking the classifier (part of `seconds`). */
    classifierSeconds: number;
    seconds: number;
  };
  backend: string;
  outDir: string;
}

/** runGan options. */
export interface GanOptions {
  quick?: boolean;
  seed?: number;
  /** Where models and plots go. Default out/examples/gan. */
  outDir?: string;
  verbose?: boolean;
  /** Overrides part 2's sizes (defaults: QUICK_SHAPES or FULL_SHAPES). */
  shapes?: Partial<ShapeRunSize>;
}

const RING_Z = 2;

function generate(gen: Module, n: number, z: NoiseShape, g: Generator): Float32Array {
  return noGrad(() =>
    scope(() => {
      const out = gen.call(noiseBatch(n, z, g));
      return Float32Array.from(out.dataSync() as Float32Array);
    }),
  );
}

/** Part 1: the 8-Gaussian ring. */
async function trainRing(opts: Required<Pick<GanOptions, "quick" | "seed" | "outDir" | "verbose">>): Promise<GanResult["ring"]> {
  const started = performance.now();
  const g = new Generator(opts.seed + 1);
  const gen = mlp([RING_Z, 128, 128, 2], "relu");
  const disc = mlp([2, 128, 128, 1], "leakyRelu");
  const optG = new Adam(gen.parameters(), { lr: 1e-3, betas: [0.5, 0.999] });
  const optD = new Adam(disc.parameters(), { lr: 1e-3, betas: [0.5, 0.999] });
  const steps = opts.quick ? 1200 : 6000;
  const batch = 256;
  const evalN = 2000;
  const before = modeCoverage(generate(gen, evalN, RING_Z, new Generator(999)));
  const bar = opts.verbose ? new ProgressBar({ total: steps, label: "ring GAN", unit: "step" }) : undefined;
  const lossesD: number[] = [], lossesG: number[] = [];
  const snapshots: { step: number; points: Float32Array }[] = [];
  for (let step = 1; step <= steps; step++) {
    const real = tensor(sampleRing(batch, g), { shape: [batch, 2] });
    const [ld, lg] = ganStep(gen, disc, optG, optD, real, RING_Z, g);
    real.dispose();
    lossesD.push(ld);
    lossesG.push(lg);
    bar?.update(step, { lossD: ld, lossG: lg });
    if (step % (steps / 4) === 0) snapshots.push({ step, points: generate(gen, 1000, RING_Z, new Generator(7)) });
  }
  const after = modeCoverage(generate(gen, evalN, RING_Z, new Generator(999)));
  await saveModelDir(join(opts.outDir, "ring-generator"), {
    architecture: gen.getConfig(), stateDict: gen.stateDict(),
    metadata: { example: "gan", part: "ring", zDim: RING_Z, modesCovered: after.modesCovered, highQuality: after.highQuality },
  });
  const realPts = sampleRing(1000, new Generator(5));
  const pick = (a: Float32Array, o: number): number[] => Array.from({ length: a.length / 2 }, (_, i) => a[2 * i + o]);
  for (const s of snapshots) {
    const svg = scatterPlot({
      series: [{ name: "real", x: pick(realPts, 0), y: pick(realPts, 1) }, { name: `generated (step ${s.step})`, x: pick(s.points, 0), y: pick(s.points, 1) }],
      radius: 1.5, width: 480, height: 480, title: `8-Gaussian ring, step ${s.step}`, xLabel: "x", yLabel: "y",
    });
    await savePlot(join(opts.outDir, `ring-step-${s.step}.svg`), svg);
    await savePng(join(opts.outDir, `ring-step-${s.step}.png`), svg);
  }
  await saveLossPlot(join(opts.outDir, "ring-loss"), lossesD, lossesG, "ring GAN losses");
  gen.dispose();
  disc.dispose();
  return {
    steps, modesCovered: after.modesCovered, highQuality: after.highQuality,
    untrainedModesCovered: before.modesCovered, untrainedHighQuality: before.highQuality,
    finalLossD: mean(lossesD.slice(-100)), finalLossG: mean(lossesG.slice(-100)), seconds: (performance.now() - started) / 1000,
  };
}

/** Writes `<path>.svg` and `.png`: both players' losses against the step (at most 200 points each). */
async function saveLossPlot(path: string, lossesD: number[], lossesG: number[], title: string): Promise<void> {
  const every = Math.max(1, Math.floor(lossesD.length / 200));
  const idx = Array.from({ length: Math.floor(lossesD.length / every) }, (_, i) => i * every);
  const svg = linePlot({
    series: [
      { name: "discriminator", x: idx.map((i) => i + 1), y: idx.map((i) => lossesD[i]) },
      { name: "generator", x: idx.map((i) => i + 1), y: idx.map((i) => lossesG[i]) },
    ],
    xLabel: "step", yLabel: "loss", title,
  });
  await savePlot(`${path}.svg`, svg);
  await savePng(`${path}.png`, svg);
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Mean over `samples` of the L2 distance to the nearest row of `reals` (both [*, d] flattened). */
function meanNearest(samples: Float32Array, reals: Float32Array, d: number): number {
  const n = samples.length / d, m = reals.length / d;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const diff = samples[i * d + k] - reals[j * d + k];
        s += diff * diff;
        if (s >= best) break;
      }
      if (s < best) best = s;
    }
    total += Math.sqrt(best);
  }
  return total / n;
}

/** Canvas side of the shape images, and of the DCGAN's samples. */
export const SHAPE_SIZE = 32;
/** Length of the shape generator's noise; it enters as [N, SHAPE_Z, 1, 1], as in DCGAN. */
export const SHAPE_Z = 32;
/** Softmax probability the classifier needs before an image counts as a recognisable shape. */
export const CONFIDENT = 0.9;
const SHAPE_NOISE = 0.03;
const SHAPE_MARGIN = 2;
// a class "appears" among the confident samples when it holds at least this share of them all (as the ring's 1%)
const CLASS_SHARE = 0.01;
const EVAL_N = 300;

/** Sizes of part 2: GAN images, epochs, channel width and batch; classifier images and epochs. */
export interface ShapeRunSize { images: number; epochs: number; width: number; batch: number; classifierImages: number; classifierEpochs: number }
// DCGAN needs steps more than samples per step (its samples after N steps look alike at batch 16, 32
// or 64), so quick mode takes many small batches: 640 steps of 16
const QUICK_SHAPES: ShapeRunSize = { images: 2560, epochs: 4, width: 16, batch: 16, classifierImages: 2400, classifierEpochs: 4 };
const FULL_SHAPES: ShapeRunSize = { images: 6144, epochs: 16, width: 16, batch: 32, classifierImages: 4800, classifierEpochs: 5 };
// one-sided label smoothing: without it D's loss falls to ~0.01 for hundreds of steps while G learns little
const REAL_LABEL = 0.9;

/**
 * The DCGAN generator (Radford et al. 2016) for 32×32 images: z [N, zDim, 1, 1] → ConvTranspose2d up
 * 1 → 4 → 8 → 16 → 32 with BatchNorm2d + ReLU between and Tanh out, so pixels lie in [−1, 1].
 * `width` is the channel count of the last hidden layer (2× and 4× before it).
 */
export function dcganGenerator(zDim: number, width: number): Sequential {
  return new Sequential(
    new ConvTranspose2d(zDim, 4 * width, 4, { bias: false }), new BatchNorm2d(4 * width), new ReLU(),
    new ConvTranspose2d(4 * width, 2 * width, 4, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(2 * width), new ReLU(),
    new ConvTranspose2d(2 * width, width, 4, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(width), new ReLU(),
    new ConvTranspose2d(width, 1, 4, { stride: 2, padding: 1 }), new Tanh(),
  );
}

/**
 * The DCGAN discriminator: [N, 1, 32, 32] → strided Conv2d 32 → 16 → 8 → 4 with LeakyReLU(0.2), BatchNorm2d
 * on the inner two (not on the input layer, as the paper), then a 4×4 conv to one logit [N, 1].
 */
export function dcganDiscriminator(width: number): Sequential {
  return new Sequential(
    new Conv2d(1, width, 4, { stride: 2, padding: 1 }), new LeakyReLU(0.2),
    new Conv2d(width, 2 * width, 4, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(2 * width), new LeakyReLU(0.2),
    new Conv2d(2 * width, 4 * width, 4, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(4 * width), new LeakyReLU(0.2),
    new Conv2d(4 * width, 1, 4), new Flatten(),
  );
}

/** DCGAN's initialisation: conv weights N(0, 0.02), BatchNorm scales N(1, 0.02), biases 0. */
export function dcganInit_(model: Module, g: Generator): void {
  for (const m of model.modules()) {
    if (m instanceof Conv2d || m instanceof ConvTranspose2d) {
      normal_(m.weight, 0, 0.02, g);
      if (m.bias) zeros_(m.bias);
    } else if (m instanceof BatchNorm2d && m.weight && m.bias) {
      normal_(m.weight, 1, 0.02, g);
      zeros_(m.bias);
    }
  }
}

/** The judge's labels: the shape classes, then NOT_A_SHAPE (blobs and blends of two shapes). */
export const NOT_A_SHAPE = SHAPE_CLASSES.length;

/**
 * The judge of generated shapes: three Conv2d + BatchNorm2d + ReLU + MaxPool2d blocks (32 → 16 → 8 → 4),
 * then Linear → 7 logits (the 6 shapes and NOT_A_SHAPE).
 */
export function shapeClassifier(): Sequential {
  return new Sequential(
    new Conv2d(1, 8, 3, { padding: 1 }), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
    new Conv2d(8, 16, 3, { padding: 1 }), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2),
    new Conv2d(16, 32, 3, { padding: 1 }), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(32 * 4 * 4, NOT_A_SHAPE + 1),
  );
}

/** How a classifier sees a set of images: the confident share, how many classes that share spans, and its top-1 labels. */
export interface Recognisability {
  /** Share of the images whose top class is a shape (not NOT_A_SHAPE) with softmax probability ≥ CONFIDENT. */
  recognisable: number;
  /** Classes holding ≥ 1% of all images among the confident ones (6 for varied shapes, 1 for a collapsed GAN). */
  classes: number;
  /** Per class (SHAPE_CLASSES order), the share of all images confidently labelled with it. */
  perClass: number[];
  /** The top-1 label of every image (NOT_A_SHAPE included). */
  predicted: Int32Array;
  /** The top-1 probability of every image. */
  confidence: Float32Array;
}

/** Runs `classifier` (eval mode, 7 logits: shapes then NOT_A_SHAPE) on images [n, 1, size, size] with pixels in [0, 1] and summarises its confidence. */
export function recognisability(classifier: Module, pixels: Float32Array, size: number = SHAPE_SIZE): Recognisability {
  const px = size * size;
  if (pixels.length === 0 || pixels.length % px !== 0) throw new RangeError(`recognisability: pixels has ${pixels.length} values, not a positive multiple of ${size}×${size}`);
  const n = pixels.length / px;
  const k = NOT_A_SHAPE + 1;
  classifier.eval();
  const probs = noGrad(() =>
    scope(() => Float32Array.from(softmax(classifier.call(tensor(pixels, { shape: [n, 1, size, size] })), 1).dataSync() as Float32Array)),
  );
  if (probs.length !== n * k) throw new RangeError(`recognisability: the classifier gave ${probs.length / n} outputs per image, expected ${k}`);
  const confident = new Array<number>(NOT_A_SHAPE).fill(0);
  const predicted = new Int32Array(n);
  const confidence = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + best]) best = c;
    predicted[i] = best;
    confidence[i] = probs[i * k + best];
    if (best !== NOT_A_SHAPE && probs[i * k + best] >= CONFIDENT) confident[best]++;
  }
  return {
    recognisable: confident.reduce((a, b) => a + b, 0) / n,
    classes: confident.filter((c) => c > 0 && c >= CLASS_SHARE * n).length,
    perClass: confident.map((c) => c / n),
    predicted,
    confidence,
  };
}

/**
 * Images that are not one shape, labelled NOT_A_SHAPE: soft Gaussian blobs (what a weak generator draws)
 * and the mean of two real shapes of different classes (an in-between). Without them a classifier trained
 * on shapes alone is confidently wrong on anything else (on uniform noise, 100% "one class").
 */
function notShapes(n: number, real: ShapeImages, g: Generator): Float32Array {
  const px = SHAPE_SIZE * SHAPE_SIZE;
  const out = new Float32Array(n * px);
  const u = g.uniform(n * 4);
  const eps = g.normal(n * px, 0, SHAPE_NOISE);
  for (let i = 0; i < n; i++) {
    const img = out.subarray(i * px, (i + 1) * px);
    if (i % 2 === 0) {
      const cx = 8 + 16 * u[4 * i], cy = 8 + 16 * u[4 * i + 1], sigma = 2 + 4 * u[4 * i + 2], b = 0.65 + 0.35 * u[4 * i + 3];
      for (let y = 0; y < SHAPE_SIZE; y++) for (let x = 0; x < SHAPE_SIZE; x++) img[y * SHAPE_SIZE + x] = b * Math.exp(-((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2) / (2 * sigma * sigma));
    } else {
      const a = Math.floor(u[4 * i] * real.n);
      let b = Math.floor(u[4 * i + 1] * real.n);
      if (real.labels[b] === real.labels[a]) b = (b + 1) % real.n; // neighbours differ in class (labels cycle)
      for (let k = 0; k < px; k++) img[k] = (real.pixels[a * px + k] + real.pixels[b * px + k]) / 2;
    }
    for (let k = 0; k < px; k++) img[k] = Math.min(1, Math.max(0, img[k] + eps[i * px + k]));
  }
  return out;
}

/** Trains shapeClassifier on fresh real shapes (the GAN never sees them) and NOT_A_SHAPE images; returns it in eval mode. */
async function trainClassifier(n: number, epochs: number, seed: number): Promise<Sequential> {
  const data = generateShapes(n, { seed, size: SHAPE_SIZE, noise: SHAPE_NOISE, margin: SHAPE_MARGIN });
  const px = SHAPE_SIZE * SHAPE_SIZE;
  // one class's worth of negatives, so the 7 labels stay balanced
  const nNeg = Math.round(n / SHAPE_CLASSES.length);
  const pixels = new Float32Array((n + nNeg) * px);
  pixels.set(data.pixels);
  pixels.set(notShapes(nNeg, data, new Generator(seed + 1)), n * px);
  const labels = new Int32Array(n + nNeg).fill(NOT_A_SHAPE);
  labels.set(data.labels);
  const model = shapeClassifier();
  const x = tensor(pixels, { shape: [n + nNeg, 1, SHAPE_SIZE, SHAPE_SIZE] });
  const y = tensor(labels, { shape: [n + nNeg], dtype: "int32" });
  await fit(model, { train: { x, y }, loss: "crossEntropy", optimizer: new Adam(model.parameters(), { lr: 3e-3 }), epochs, batchSize: 64, seed });
  x.dispose();
  y.dispose();
  return model.eval();
}

/** n samples of the shape generator in eval mode (BatchNorm on running statistics, as a reloaded model runs), pixels mapped to [0, 1]. */
function sampleShapes(gen: Module, n: number, g: Generator): Float32Array {
  gen.eval();
  const out = generate(gen, n, [SHAPE_Z, 1, 1], g);
  gen.train();
  for (let k = 0; k < out.length; k++) out[k] = Math.min(1, Math.max(0, (out[k] + 1) / 2));
  return out;
}

async function saveGrid(path: string, samples: Float32Array, title: string, labels?: string[]): Promise<void> {
  const px = SHAPE_SIZE * SHAPE_SIZE;
  const svg = imageGrid({
    images: Array.from({ length: samples.length / px }, (_, i) => ({ width: SHAPE_SIZE, height: SHAPE_SIZE, data: samples.slice(i * px, (i + 1) * px) })),
    columns: 8, cellSize: 64, title, labels,
  });
  await savePlot(`${path}.svg`, svg);
  await savePng(`${path}.png`, svg);
}

/** Part 2: a DCGAN on the generated shape images, sampling a fixed noise batch after every epoch. */
async function trainShapes(
  opts: Required<Pick<GanOptions, "quick" | "seed" | "outDir" | "verbose">> & Pick<GanOptions, "shapes">,
): Promise<GanResult["shapes"]> {
  const started = performance.now();
  const px = SHAPE_SIZE * SHAPE_SIZE;
  const { images, epochs, width, batch, classifierImages, classifierEpochs } = { ...(opts.quick ? QUICK_SHAPES : FULL_SHAPES), ...opts.shapes };
  const classifier = await trainClassifier(classifierImages, classifierEpochs, opts.seed + 30);
  const held = generateShapes(EVAL_N, { seed: opts.seed + 20, size: SHAPE_SIZE, noise: SHAPE_NOISE, margin: SHAPE_MARGIN });
  const real = recognisability(classifier, held.pixels);
  const classifierAccuracy = real.predicted.reduce((a, p, i) => a + (p === held.labels[i] ? 1 : 0), 0) / held.n;
  const classifierSeconds = (performance.now() - started) / 1000;

  const data = generateShapes(images, { seed: opts.seed + 10, size: SHAPE_SIZE, noise: SHAPE_NOISE, margin: SHAPE_MARGIN });
  // tanh's range: the GAN sees pixels 2x − 1 in [−1, 1]
  const scaled = Float32Array.from(data.pixels, (v) => 2 * v - 1);
  const g = new Generator(opts.seed + 2);
  const gen = dcganGenerator(SHAPE_Z, width);
  const disc = dcganDiscriminator(width);
  dcganInit_(gen, g);
  dcganInit_(disc, g);
  // start G's output at the data's mean pixel (mostly dark background) instead of mid-grey, so it need not spend its first steps learning the background
  const meanPixel = scaled.reduce((a, b) => a + b, 0) / scaled.length;
  noGrad(() => (gen.modules().filter((m) => m instanceof ConvTranspose2d).pop() as ConvTranspose2d).bias?.fill_(Math.atanh(meanPixel)));
  const untrainedSamples = sampleShapes(gen, EVAL_N, new Generator(77));
  const untrained = recognisability(classifier, untrainedSamples);
  const optG = new Adam(gen.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const optD = new Adam(disc.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const batches = Math.floor(data.n / batch);
  const lossesD: number[] = [], lossesG: number[] = [], epochLossG: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const keys = g.uniform(data.n);
    const order = Array.from({ length: data.n }, (_, i) => i).sort((a, b) => keys[a] - keys[b]);
    const bar = opts.verbose ? new ProgressBar({ total: batches, label: `shapes DCGAN epoch ${epoch}/${epochs}`, unit: "batch" }) : undefined;
    let sumG = 0;
    for (let b = 0; b < batches; b++) {
      const x = new Float32Array(batch * px);
      for (let i = 0; i < batch; i++) x.set(scaled.subarray(order[b * batch + i] * px, (order[b * batch + i] + 1) * px), i * px);
      const realBatch = tensor(x, { shape: [batch, 1, SHAPE_SIZE, SHAPE_SIZE] });
      const [ld, lg] = ganStep(gen, disc, optG, optD, realBatch, [SHAPE_Z, 1, 1], g, { realLabel: REAL_LABEL });
      realBatch.dispose();
      lossesD.push(ld);
      lossesG.push(lg);
      sumG += lg;
      bar?.update(b + 1, { lossD: ld, lossG: lg });
    }
    epochLossG.push(sumG / batches);
    // the same 32 noise vectors every epoch, so the grids show one set of samples evolving
    await saveGrid(join(opts.outDir, `shapes-epoch-${String(epoch).padStart(2, "0")}`), sampleShapes(gen, 32, new Generator(1234)), `DCGAN samples after epoch ${epoch}`);
  }
  const samples = sampleShapes(gen, EVAL_N, new Generator(77));
  const after = recognisability(classifier, samples);
  // the classifier's verdict under each of the first 32 samples: what the numbers mean, visibly
  await saveGrid(join(opts.outDir, "shapes-judged"), samples.slice(0, 32 * px), `final samples, classifier verdict (≥ ${CONFIDENT} or "?")`,
    Array.from({ length: 32 }, (_, i) => (after.predicted[i] !== NOT_A_SHAPE && after.confidence[i] >= CONFIDENT ? SHAPE_CLASSES[after.predicted[i]] : "?")));
  const reals = data.pixels.subarray(0, 1000 * px);
  const noiseDistance = meanNearest(new Generator(78).uniform(EVAL_N * px), reals, px);
  const ratio = meanNearest(samples, reals, px) / noiseDistance;
  const untrainedRatio = meanNearest(untrainedSamples, reals, px) / noiseDistance;
  await saveLossPlot(join(opts.outDir, "shapes-loss"), lossesD, lossesG, "shapes DCGAN losses");
  await saveModelDir(join(opts.outDir, "shapes-generator"), {
    architecture: gen.getConfig(), stateDict: gen.stateDict(),
    metadata: { example: "gan", part: "shapes", zShape: [SHAPE_Z, 1, 1], imageSize: SHAPE_SIZE, outputRange: [-1, 1], recognisable: after.recognisable, classes: after.classes },
  });
  [gen, disc, classifier].forEach((m) => m.dispose());
  return {
    epochs, images: data.n, steps: epochs * batches, width,
    recognisable: after.recognisable, classes: after.classes,
    perClass: Object.fromEntries(SHAPE_CLASSES.map((c, i) => [c, after.perClass[i]])),
    real: { recognisable: real.recognisable, classes: real.classes },
    untrained: { recognisable: untrained.recognisable, classes: untrained.classes, nearestRealRatio: untrainedRatio },
    classifierAccuracy, nearestRealRatio: ratio,
    firstEpochLossG: epochLossG[0], lastEpochLossG: epochLossG[epochLossG.length - 1],
    classifierSeconds, seconds: (performance.now() - started) / 1000,
  };
}

/** Trains both GANs and writes their models and plots under outDir. */
export async function runGan(opts: GanOptions = {}): Promise<GanResult> {
  const o = {
    quick: opts.quick ?? false, seed: opts.seed ?? 0, outDir: opts.outDir ?? join("out", "examples", "gan"), verbose: opts.verbose ?? false, shapes: opts.shapes,
  };
  manualSeed(o.seed);
  const ring = await trainRing(o);
  if (o.verbose) console.error(`ring: ${ring.modesCovered}/${MODES} modes, ${(ring.highQuality * 100).toFixed(1)}% within 3σ`);
  const shapes = await trainShapes(o);
  return { ring, shapes, backend: getBackend().name, outDir: o.outDir };
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runGan({ quick: process.argv.includes("--quick"), seed: flag("seed"), verbose: true });
  console.log(JSON.stringify(r));
}
