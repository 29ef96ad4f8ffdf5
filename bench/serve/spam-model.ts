/**
 * The serving benchmark's model: SpamAssassin e-mails → TF-IDF → MLP (Linear → ReLU → Linear → Sigmoid),
 * trained quickly with a fixed seed and saved as a servable model directory (config.json with the fitted
 * vectorizer and label encoder as its preprocessing spec, model.safetensors with the weights). The
 * PyTorch twin (fastapi_app.py) reads that same directory: the vocabulary and idf from config.json, the
 * weights from the safetensors file, whose tensor names ("0.weight", ...) are nn.Sequential's.
 *
 *   npx tsx bench/serve/spam-model.ts [--out dir] [--seed 0]
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  Adam, binaryCrossEntropy, CsrMatrix, Generator, LabelEncoder, Linear, loadDataset, manualSeed, noGrad, ReLU, saveModelDir, scope, Sequential,
  Sigmoid, specToJSON, tensor, TfidfVectorizer,
} from "../../src/index.js";
import { writeAll, writeFileAtomic } from "../../src/io/atomic.js";

/** How the spam model is built and trained. */
export interface SpamModelOptions {
  /** Where the model directory goes. */
  dir: string;
  /** Seed of the split, the weight init and the batch order (default 0). */
  seed?: number;
  /** Vocabulary size cap: the most frequent terms (default 20,000). */
  maxFeatures?: number;
  /** Hidden units (default 32). */
  hidden?: number;
  /** Training epochs (default 3: TF-IDF spam is nearly separable). */
  epochs?: number;
  /** Print progress (default false). */
  verbose?: boolean;
}

/** What trainSpamModel reports, also saved as the model's metadata. */
export interface SpamModelInfo {
  dir: string;
  seed: number;
  vocabulary: number;
  maxFeatures: number;
  hidden: number;
  epochs: number;
  trainRows: number;
  testRows: number;
  testAccuracy: number;
  seconds: number;
  /** A few held-out e-mails (seeded pick), used as request bodies and for the equivalence check. */
  sampleTexts: string[];
}

const INFO_FILE = "bench-info.json";

/** A seeded uniform source for the split and the batch order. */
function rng(seed: number): () => number {
  const g = new Generator(seed);
  return () => g.random();
}

function shuffled(n: number, rand: () => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Rows `idx` of a CSR matrix as a dense float32 [idx.length, numCols] array (a whole corpus would not fit). */
function denseRows(m: CsrMatrix, idx: readonly number[]): Float32Array {
  const out = new Float32Array(idx.length * m.numCols);
  idx.forEach((r, i) => {
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) out[i * m.numCols + m.indices[k]] = m.data[k];
  });
  return out;
}

/** Trains the spam model and saves it to `opts.dir` (replacing what is there). */
export async function trainSpamModel(opts: SpamModelOptions): Promise<SpamModelInfo> {
  const t0 = performance.now();
  const seed = opts.seed ?? 0;
  const hidden = opts.hidden ?? 32;
  const epochs = opts.epochs ?? 3;
  const log = (s: string): void => {
    if (opts.verbose) process.stderr.write(`${s}\n`);
  };
  manualSeed(seed);
  const table = await loadDataset("spam-assassin");
  const texts = table.column("text").values as string[];
  const labelsRaw = table.column("label").values as string[];
  const rand = rng(seed);
  const order = shuffled(texts.length, rand);
  const nTest = Math.round(texts.length * 0.2);
  const testIdx = order.slice(0, nTest);
  const trainIdx = order.slice(nTest);

  const vec = new TfidfVectorizer({ minDf: 2, maxFeatures: opts.maxFeatures ?? 20_000 });
  const labels = new LabelEncoder().fit(labelsRaw); // classes ["ham", "spam"]: spam is class 1
  const y = labels.transform(labelsRaw);
  const xTrain = vec.fitTransform(trainIdx.map((i) => texts[i]));
  const xTest = vec.transform(testIdx.map((i) => texts[i]));
  const width = vec.vocabulary.length;
  log(`spam model: vectorised ${trainIdx.length} train / ${testIdx.length} test e-mails, ${width} terms (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  const g = new Generator(seed);
  const model = new Sequential(new Linear(width, hidden, { generator: g }), new ReLU(), new Linear(hidden, 1, { generator: g }), new Sigmoid());
  const opt = new Adam(model.parameters(), { lr: 3e-3 });
  const batch = 64;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const perm = shuffled(trainIdx.length, rand);
    let lossSum = 0;
    for (let s = 0; s < perm.length; s += batch) {
      const rows = perm.slice(s, s + batch);
      lossSum += scope(() => {
        const x = tensor(denseRows(xTrain, rows), { shape: [rows.length, width] });
        const t = tensor(Float32Array.from(rows, (r) => y[trainIdx[r]]), { shape: [rows.length, 1] });
        const loss = binaryCrossEntropy(model.call(x), t);
        loss.backward();
        opt.step();
        return loss.item() * rows.length;
      });
      opt.zeroGrad();
    }
    log(`spam model: epoch ${epoch + 1}/${epochs} loss ${(lossSum / perm.length).toFixed(4)}`);
  }

  model.eval();
  let correct = 0;
  for (let s = 0; s < testIdx.length; s += 256) {
    const rows = Array.from({ length: Math.min(256, testIdx.length - s) }, (_, k) => s + k);
    const p = noGrad(() => scope(() => model.call(tensor(denseRows(xTest, rows), { shape: [rows.length, width] })).dataSync()));
    rows.forEach((r, k) => {
      if ((p[k] >= 0.5 ? 1 : 0) === y[testIdx[r]]) correct++;
    });
  }
  const pick = shuffled(testIdx.length, rng(seed + 1)).map((k) => texts[testIdx[k]]);
  // request bodies: typical e-mails, not the rare 100 KB attachment dumps
  const sampleTexts = pick.filter((t) => t.length >= 500 && t.length <= 8_000).slice(0, 32);
  const info: SpamModelInfo = {
    dir: opts.dir, seed, vocabulary: width, maxFeatures: opts.maxFeatures ?? 20_000, hidden, epochs, trainRows: trainIdx.length, testRows: testIdx.length,
    testAccuracy: correct / testIdx.length, seconds: (performance.now() - t0) / 1000, sampleTexts,
  };
  await saveModelDir(opts.dir, {
    architecture: model.getConfig(),
    stateDict: model.stateDict(),
    preprocessing: specToJSON({ vectorizer: vec, label: labels }),
    metadata: { textField: "text", task: "binary", dataset: "spam-assassin", testAccuracy: info.testAccuracy, seed },
  });
  await writeFileAtomic(join(opts.dir, INFO_FILE), (fh) => writeAll(fh, new TextEncoder().encode(`${JSON.stringify(info)}\n`)));
  model.dispose();
  log(`spam model: test accuracy ${(info.testAccuracy * 100).toFixed(2)}%, saved to ${opts.dir} (${info.seconds.toFixed(1)} s)`);
  return info;
}

/** The saved model's info when `dir` holds a model trained with the same options, else null. */
export function readSpamModel(opts: SpamModelOptions): SpamModelInfo | null {
  const p = join(opts.dir, INFO_FILE);
  if (!existsSync(p)) return null;
  const info = JSON.parse(readFileSync(p, "utf8")) as SpamModelInfo;
  const same = info.seed === (opts.seed ?? 0) && info.maxFeatures === (opts.maxFeatures ?? 20_000) && info.hidden === (opts.hidden ?? 32) && info.epochs === (opts.epochs ?? 3);
  return same ? { ...info, dir: opts.dir } : null;
}

/** The cached model when its options match, else a freshly trained one. */
export async function ensureSpamModel(opts: SpamModelOptions): Promise<SpamModelInfo> {
  return readSpamModel(opts) ?? trainSpamModel(opts);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const info = await trainSpamModel({ dir: arg("--out") ?? join("bench", "out", "serve", "spam-model"), seed: Number(arg("--seed") ?? 0), verbose: true });
  console.log(JSON.stringify({ ...info, sampleTexts: info.sampleTexts.length }));
}
