/**
 * Generative adversarial networks, twice. (1) The classic mode-collapse test: a mixture of 8 Gaussians
 * on a ring, an MLP generator and discriminator trained with the non-saturating loss and Adam; reported
 * as mode coverage (modes that receive ≥ 1% of samples) and quality (share of samples within 3σ of a
 * mode). (2) An MLP GAN on the generated shape images (examples/shapes-data.ts) that saves a grid of
 * samples from a fixed noise batch after every epoch.
 *
 *   npx tsx examples/gan.ts [--quick] [--seed 0]
 */
import { join } from "node:path";
import {
  Adam, binaryCrossEntropyWithLogits, Generator, getBackend, LeakyReLU, Linear, manualSeed, noGrad, ones, randn, ReLU, saveModelDir, scope,
  Sequential, Sigmoid, tensor, zeros, type Module, type Optimizer, type Tensor,
} from "../src/index.js";
import { imageGrid, linePlot, savePlot, savePng, scatterPlot } from "../src/plot/index.js";
import { ProgressBar } from "../src/train/progress.js";
import { generateShapes } from "./shapes-data.js";

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

/**
 * One GAN step with the non-saturating loss (Goodfellow et al. 2014): the discriminator learns real → 1,
 * fake → 0; the generator maximises log D(G(z)) rather than minimising log(1 − D(G(z))), which keeps its
 * gradient alive while D still wins easily. Returns [discriminator loss, generator loss].
 */
export function ganStep(
  gen: Sequential, disc: Sequential, optG: Optimizer, optD: Optimizer, real: Tensor, zDim: number, g: Generator,
): [number, number] {
  const n = real.shape[0];
  const lossD = scope(() => {
    const fake = noGrad(() => gen.call(randn([n, zDim], { generator: g })));
    const loss = binaryCrossEntropyWithLogits(disc.call(real), ones([n, 1])).add(binaryCrossEntropyWithLogits(disc.call(fake), zeros([n, 1])));
    loss.backward();
    return loss.item();
  });
  scope(() => optD.step());
  optD.zeroGrad();
  const lossG = scope(() => {
    const loss = binaryCrossEntropyWithLogits(disc.call(gen.call(randn([n, zDim], { generator: g }))), ones([n, 1]));
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
    /** Mean distance from a sample to its nearest real image, over the same for uniform-noise images (lower is better). */
    nearestRealRatio: number;
    firstEpochLossG: number;
    lastEpochLossG: number;
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
}

const RING_Z = 2;

function generate(gen: Sequential, n: number, zDim: number, g: Generator): Float32Array {
  return noGrad(() =>
    scope(() => {
      const out = gen.call(randn([n, zDim], { generator: g }));
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
  const every = Math.max(1, Math.floor(steps / 200));
  const idx = Array.from({ length: Math.floor(steps / every) }, (_, i) => i * every);
  const lossSvg = linePlot({
    series: [
      { name: "discriminator", x: idx.map((i) => i + 1), y: idx.map((i) => lossesD[i]) },
      { name: "generator", x: idx.map((i) => i + 1), y: idx.map((i) => lossesG[i]) },
    ],
    xLabel: "step", yLabel: "loss", title: "ring GAN losses",
  });
  await savePlot(join(opts.outDir, "ring-loss.svg"), lossSvg);
  gen.dispose();
  disc.dispose();
  return {
    steps, modesCovered: after.modesCovered, highQuality: after.highQuality,
    untrainedModesCovered: before.modesCovered, untrainedHighQuality: before.highQuality,
    finalLossD: mean(lossesD.slice(-100)), finalLossG: mean(lossesG.slice(-100)), seconds: (performance.now() - started) / 1000,
  };
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

const SHAPE_SIZE = 28;
const SHAPE_Z = 32;

/** Part 2: an MLP GAN on the generated shape images, sampling a fixed noise batch after every epoch. */
async function trainShapes(opts: Required<Pick<GanOptions, "quick" | "seed" | "outDir" | "verbose">>): Promise<GanResult["shapes"]> {
  const started = performance.now();
  const px = SHAPE_SIZE * SHAPE_SIZE;
  const data = generateShapes(opts.quick ? 1280 : 6144, { seed: opts.seed + 10, size: SHAPE_SIZE, noise: 0.03 });
  const g = new Generator(opts.seed + 2);
  // the generator's sigmoid maps to [0, 1] pixels, the range of the real images
  const gen = mlp([SHAPE_Z, 256, 512, px], "relu", true);
  const disc = mlp([px, 512, 256, 1], "leakyRelu");
  const optG = new Adam(gen.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const optD = new Adam(disc.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const epochs = opts.quick ? 3 : 30;
  const batch = 64;
  const batches = Math.floor(data.n / batch);
  const fixedZ = new Generator(1234);
  const epochLossG: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = g.uniform(data.n).reduce<number[]>((acc, _, i) => (acc.push(i), acc), []);
    const keys = g.uniform(data.n);
    order.sort((a, b) => keys[a] - keys[b]);
    const bar = opts.verbose ? new ProgressBar({ total: batches, label: `shapes GAN epoch ${epoch}/${epochs}`, unit: "batch" }) : undefined;
    let sumG = 0;
    for (let b = 0; b < batches; b++) {
      const x = new Float32Array(batch * px);
      for (let i = 0; i < batch; i++) x.set(data.pixels.subarray(order[b * batch + i] * px, (order[b * batch + i] + 1) * px), i * px);
      const real = tensor(x, { shape: [batch, px] });
      const [ld, lg] = ganStep(gen, disc, optG, optD, real, SHAPE_Z, g);
      real.dispose();
      sumG += lg;
      bar?.update(b + 1, { lossD: ld, lossG: lg });
    }
    epochLossG.push(sumG / batches);
    // the same 32 noise vectors every epoch, so the grids show one set of samples evolving
    fixedZ.manualSeed(1234);
    const samples = generate(gen, 32, SHAPE_Z, fixedZ);
    const svg = imageGrid({
      images: Array.from({ length: 32 }, (_, i) => ({ width: SHAPE_SIZE, height: SHAPE_SIZE, data: samples.slice(i * px, (i + 1) * px) })),
      columns: 8, cellSize: 64, title: `GAN samples after epoch ${epoch}`,
    });
    await savePlot(join(opts.outDir, `shapes-epoch-${String(epoch).padStart(2, "0")}.svg`), svg);
    await savePng(join(opts.outDir, `shapes-epoch-${String(epoch).padStart(2, "0")}.png`), svg);
  }
  const samples = generate(gen, 200, SHAPE_Z, new Generator(77));
  const reals = data.pixels.subarray(0, 1000 * px);
  const noise = new Generator(78).uniform(200 * px);
  const ratio = meanNearest(samples, reals, px) / meanNearest(noise, reals, px);
  await saveModelDir(join(opts.outDir, "shapes-generator"), {
    architecture: gen.getConfig(), stateDict: gen.stateDict(),
    metadata: { example: "gan", part: "shapes", zDim: SHAPE_Z, imageSize: SHAPE_SIZE, nearestRealRatio: ratio },
  });
  gen.dispose();
  disc.dispose();
  return {
    epochs, images: data.n, nearestRealRatio: ratio, firstEpochLossG: epochLossG[0], lastEpochLossG: epochLossG[epochLossG.length - 1],
    seconds: (performance.now() - started) / 1000,
  };
}

/** Trains both GANs and writes their models and plots under outDir. */
export async function runGan(opts: GanOptions = {}): Promise<GanResult> {
  const o = { quick: opts.quick ?? false, seed: opts.seed ?? 0, outDir: opts.outDir ?? join("out", "examples", "gan"), verbose: opts.verbose ?? false };
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
