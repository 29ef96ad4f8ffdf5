/**
 * Word2Vec (Mikolov et al. 2013): skip-gram with negative sampling on Moby Dick from the offline catalog.
 * Lower-cased word tokens, words seen fewer than minCount times dropped, frequent words subsampled
 * (keep probability (√(f/t) + 1)·t/f, as in the reference C code), a dynamic window of up to 5 words
 * each side, 5 negatives per pair drawn from the unigram distribution raised to 0.75, Adam on two
 * Embedding tables. Reports nearest neighbours, analogies, and a held-out check a broken model fails:
 * word pairs that co-occur in chapters never trained on must be more similar than random pairs.
 * Exports the vectors in word2vec's text format (out/examples/word2vec/vectors.txt).
 *
 *   npx tsx examples/word2vec.ts [--quick] [--epochs 5] [--seed 0]
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  Adam, binaryCrossEntropyWithLogits, cat, Embedding, Generator, getBackend, loadDataset, manualSeed, Module, noGrad, ones, RegexTokenizer,
  saveModelDir, scope, tensor, zeros, type LayerConfig, type Tensor,
} from "../src/index.js";
import { linePlot, saveCharts } from "../src/plot/index.js";
import { ProgressBar } from "../src/train/progress.js";
import { writeOutput } from "./shapes-data.js";

/** Lower-case words of letters (with inner apostrophes: "whale's"), the tokenizer saved with the model. */
export const WORD_PATTERN = "[a-z]+(?:'[a-z]+)*";

/** A corpus as token ids, with the vocabulary and each word's count. */
export interface Corpus {
  words: string[];
  counts: number[];
  index: Map<string, number>;
  /** Token ids per chapter (rare words removed). */
  chapters: Int32Array[];
}

/** Tokenizes `texts` and keeps words seen at least `minCount` times (ids by descending count). */
export function buildCorpus(texts: readonly string[], minCount: number): Corpus {
  const tok = new RegexTokenizer(WORD_PATTERN, "u");
  const tokenized = texts.map((t) => tok.tokenize(t.toLowerCase()));
  const freq = new Map<string, number>();
  for (const doc of tokenized) for (const w of doc) freq.set(w, (freq.get(w) ?? 0) + 1);
  const words = [...freq.entries()].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
  const index = new Map(words.map((w, i) => [w, i]));
  const chapters = tokenized.map((doc) => Int32Array.from(doc.filter((w) => index.has(w)).map((w) => index.get(w)!)));
  return { words, counts: words.map((w) => freq.get(w)!), index, chapters };
}

/** The skip-gram model: input vectors (the embeddings one keeps) and output (context) vectors. */
export class SkipGram extends Module<[Tensor, Tensor, Tensor], Tensor> {
  readonly inEmbed: Embedding;
  readonly outEmbed: Embedding;

  constructor(readonly vocabSize: number, readonly dim: number, generator?: Generator) {
    super();
    this.inEmbed = new Embedding(vocabSize, dim);
    this.outEmbed = new Embedding(vocabSize, dim);
    // word2vec's initialisation: input vectors uniform in ±0.5/dim, output vectors zero
    const g = generator ?? new Generator(0);
    noGrad(() => {
      this.inEmbed.weight.copy_(tensor(g.uniform(vocabSize * dim, -0.5 / dim, 0.5 / dim), { shape: [vocabSize, dim] }));
      this.outEmbed.weight.fill_(0);
    });
  }

  /**
   * The negative-sampling loss of a batch: centres [B], contexts [B], negatives [B, K] (word ids).
   * −log σ(u_ctx·v) − Σ_k log σ(−u_neg_k·v), averaged over the B·(1+K) logits as one BCE.
   */
  override forward(centres: Tensor, contexts: Tensor, negatives: Tensor): Tensor {
    const [b, k] = negatives.shape;
    const v = this.inEmbed.call(centres).unsqueeze(2); // [B, D, 1]
    const targets = cat([contexts.reshape([b, 1]), negatives], 1); // [B, 1+K]
    const u = this.outEmbed.call(targets); // [B, 1+K, D]
    const logits = u.bmm(v).reshape([b, 1 + k]);
    const labels = cat([ones([b, 1]), zeros([b, k])], 1);
    return binaryCrossEntropyWithLogits(logits, labels);
  }

  /** The architecture as saved in config.json (a custom type: rebuild with new SkipGram(vocabSize, dim)). */
  override getConfig(): LayerConfig {
    return { type: "SkipGram", vocabSize: this.vocabSize, dim: this.dim };
  }
}

/** Walker's alias table over the unigram^0.75 distribution: O(1) negative draws. */
export class UnigramSampler {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;

  constructor(counts: readonly number[], power = 0.75) {
    const n = counts.length;
    const w = counts.map((c) => c ** power);
    const total = w.reduce((a, b) => a + b, 0);
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = w.map((x) => (x * n) / total);
    const small: number[] = [], large: number[] = [];
    scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
    while (small.length && large.length) {
      const s = small.pop()!, l = large.pop()!;
      this.prob[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] += scaled[s] - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    for (const i of [...small, ...large]) this.prob[i] = 1;
  }

  /** n word ids. */
  sample(n: number, g: Generator): Int32Array {
    const u = g.uniform(2 * n);
    const out = new Int32Array(n);
    const size = this.prob.length;
    for (let i = 0; i < n; i++) {
      const j = Math.min(size - 1, Math.floor(u[2 * i] * size));
      out[i] = u[2 * i + 1] < this.prob[j] ? j : this.alias[j];
    }
    return out;
  }
}

/**
 * One epoch's (centre, context) pairs: frequent words subsampled with threshold t, then every word
 * within a window drawn uniformly from 1..window on each side (closer words are paired more often).
 */
export function skipGramPairs(corpus: Corpus, chapters: readonly number[], window: number, t: number, g: Generator): { centres: Int32Array; contexts: Int32Array } {
  const total = corpus.counts.reduce((a, b) => a + b, 0);
  const keep = corpus.counts.map((c) => Math.min(1, (Math.sqrt(c / (t * total)) + 1) * ((t * total) / c)));
  const centres: number[] = [], contexts: number[] = [];
  for (const ch of chapters) {
    const ids = corpus.chapters[ch];
    const u = g.uniform(ids.length);
    const kept = ids.filter((id, i) => u[i] < keep[id]);
    const spans = g.integers(kept.length, 1, window + 1);
    for (let i = 0; i < kept.length; i++) {
      for (let j = Math.max(0, i - spans[i]); j <= Math.min(kept.length - 1, i + spans[i]); j++) {
        if (j !== i) {
          centres.push(kept[i]);
          contexts.push(kept[j]);
        }
      }
    }
  }
  return { centres: Int32Array.from(centres), contexts: Int32Array.from(contexts) };
}

/** Rows of `vectors` [V, D] scaled to unit length. */
export function unitRows(vectors: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(vectors.length);
  for (let r = 0; r < vectors.length / dim; r++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += vectors[r * dim + k] ** 2;
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let k = 0; k < dim; k++) out[r * dim + k] = vectors[r * dim + k] * inv;
  }
  return out;
}

/** The `k` words whose unit vectors are closest (cosine) to `query` [D], leaving out `exclude`. */
export function nearest(unit: Float32Array, dim: number, words: readonly string[], query: Float32Array, k: number, exclude: ReadonlySet<number> = new Set()): { word: string; cosine: number }[] {
  const scored: [number, number][] = [];
  let qn = 0;
  for (let d = 0; d < dim; d++) qn += query[d] ** 2;
  qn = Math.sqrt(qn) || 1;
  for (let r = 0; r < words.length; r++) {
    if (exclude.has(r)) continue;
    let s = 0;
    for (let d = 0; d < dim; d++) s += unit[r * dim + d] * query[d];
    scored.push([r, s / qn]);
  }
  scored.sort((a, b) => b[1] - a[1]);
  return scored.slice(0, k).map(([r, c]) => ({ word: words[r], cosine: c }));
}

/** Writes word2vec's text format: "V D" then one "word v1 … vD" line per word (9 significant digits: float32 round-trips exactly). */
export function word2vecText(words: readonly string[], vectors: Float32Array, dim: number): string {
  const lines = [`${words.length} ${dim}`];
  for (let r = 0; r < words.length; r++) lines.push(`${words[r]} ${Array.from(vectors.subarray(r * dim, (r + 1) * dim), (v) => v.toPrecision(9)).join(" ")}`);
  return `${lines.join("\n")}\n`;
}

/** Parses word2vec's text format (as gensim's KeyedVectors.load_word2vec_format(binary=False) reads it). */
export function parseWord2vecText(text: string, source = "vectors.txt"): { words: string[]; vectors: Float32Array; dim: number } {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const header = (lines[0] ?? "").trim().split(/\s+/).map(Number);
  if (header.length !== 2 || !header.every((x) => Number.isInteger(x) && x > 0)) {
    throw new Error(`${source}: line 1 must be "<words> <dimensions>", got ${JSON.stringify(lines[0] ?? "")}`);
  }
  const [n, dim] = header;
  if (lines.length - 1 !== n) throw new Error(`${source}: header says ${n} words but the file has ${lines.length - 1} vector lines`);
  const words: string[] = [];
  const vectors = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    const parts = lines[r + 1].trim().split(" ");
    if (parts.length !== dim + 1) throw new Error(`${source}: line ${r + 2} has ${parts.length - 1} values, expected ${dim}`);
    words.push(parts[0]);
    for (let d = 0; d < dim; d++) {
      const v = Number(parts[d + 1]);
      if (!Number.isFinite(v)) throw new Error(`${source}: line ${r + 2}: value ${d + 1} ${JSON.stringify(parts[d + 1])} is not a number`);
      vectors[r * dim + d] = v;
    }
  }
  return { words, vectors, dim };
}

/** Loads a word2vec text file. */
export async function loadWord2vecText(path: string): Promise<{ words: string[]; vectors: Float32Array; dim: number }> {
  return parseWord2vecText(await readFile(path, "utf8"), path);
}

/**
 * Held-out co-occurrence check: mean cosine of (word, neighbour within 2) pairs from chapters never
 * trained on, minus the mean cosine of pairs drawn at random from the same held-out tokens (so both
 * sides see the same word frequencies). Trained vectors score well above 0; random vectors ≈ 0.
 */
export function cooccurrenceGap(corpus: Corpus, chapters: readonly number[], unit: Float32Array, dim: number, g: Generator): { cooccurring: number; random: number; gap: number } {
  const tokens = chapters.flatMap((c) => Array.from(corpus.chapters[c]));
  const cos = (a: number, b: number): number => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += unit[a * dim + d] * unit[b * dim + d];
    return s;
  };
  let co = 0, nCo = 0, rnd = 0;
  for (let i = 0; i < tokens.length; i++) {
    for (let j = i + 1; j <= Math.min(tokens.length - 1, i + 2); j++) {
      if (tokens[i] !== tokens[j]) { co += cos(tokens[i], tokens[j]); nCo++; }
    }
  }
  const picks = g.integers(2 * nCo, 0, tokens.length);
  let nRnd = 0;
  for (let p = 0; p < nCo; p++) {
    const a = tokens[picks[2 * p]], b = tokens[picks[2 * p + 1]];
    if (a !== b) { rnd += cos(a, b); nRnd++; }
  }
  const cooccurring = co / Math.max(1, nCo), random = rnd / Math.max(1, nRnd);
  return { cooccurring, random, gap: cooccurring - random };
}

/** Words a whale's neighbourhood should reach in Moby Dick (used by the report and the test). */
export const WHALE_DOMAIN = new Set([
  "whales", "sperm", "leviathan", "fish", "fishery", "whaling", "whalemen", "whaleman", "right", "greenland", "cachalot", "spout", "spouts",
  "blubber", "harpoon", "harpooned", "boat", "boats", "jaw", "head", "tail", "flukes", "dead", "white", "moby", "dick", "hump", "calf",
  "monster", "killed", "bone", "oil", "sea", "seas", "ship", "capture", "captured", "hunt", "hunted", "whale's", "school", "sperm-whale",
]);

/** What runWord2vec returns (the script prints it as its JSON line, without the history). */
export interface Word2vecResult {
  vocabSize: number;
  dim: number;
  trainTokens: number;
  pairsPerEpoch: number;
  epochs: number;
  firstLoss: number;
  lastLoss: number;
  /** The held-out co-occurrence check (see cooccurrenceGap). */
  heldOut: { cooccurring: number; random: number; gap: number };
  neighbours: Record<string, string[]>;
  /** Of whale's 10 nearest neighbours, how many are in WHALE_DOMAIN. */
  whaleDomainHits: number;
  analogies: { query: string; expected: string; top: string[]; hit: boolean }[];
  vectorsPath: string;
  seconds: number;
  backend: string;
  lossHistory: number[];
}

/** runWord2vec options. */
export interface Word2vecOptions {
  quick?: boolean;
  seed?: number;
  epochs?: number;
  /** Embedding size. Default 64. */
  dim?: number;
  /** Where model/, vectors.txt and the loss plot go. Default out/examples/word2vec. */
  outDir?: string;
  verbose?: boolean;
}

const QUERIES = ["whale", "ship", "sea", "captain", "ahab", "boat", "harpoon", "queequeg"];
const ANALOGIES: [string, string, string, string][] = [
  ["whale", "whales", "ship", "ships"],
  ["boat", "boats", "man", "men"],
  ["he", "his", "they", "their"],
  ["ahab", "captain", "starbuck", "mate"],
];

/** Builds the corpus, trains skip-gram, evaluates, and writes the model directory, vectors and plot. */
export async function runWord2vec(opts: Word2vecOptions = {}): Promise<Word2vecResult> {
  const started = performance.now();
  const seed = opts.seed ?? 0;
  const quick = opts.quick ?? false;
  const epochs = opts.epochs ?? (quick ? 3 : 10);
  const dim = opts.dim ?? 64;
  const window = 5, negatives = 5, batch = 1024;
  const outDir = opts.outDir ?? join("out", "examples", "word2vec");
  manualSeed(seed);
  const g = new Generator(seed + 1);
  const table = await loadDataset("moby-dick");
  const texts = table.column("text").values as string[];
  const corpus = buildCorpus(texts, 5);
  // every 10th chapter is held out for the co-occurrence check; quick mode trains on half of the rest
  const all = texts.map((_, i) => i);
  const heldOutChapters = all.filter((i) => i % 10 === 5);
  const trainChapters = all.filter((i) => i % 10 !== 5 && (!quick || i % 2 === 0));
  const trainTokens = trainChapters.reduce((s, c) => s + corpus.chapters[c].length, 0);
  const sampler = new UnigramSampler(corpus.counts);
  const model = new SkipGram(corpus.words.length, dim, new Generator(seed + 2));
  // Adam (as PyTorch word2vec ports use SparseAdam), its rate decaying linearly to 0 like word2vec.c's
  const lr0 = 0.005;
  const optimizer = new Adam(model.parameters(), { lr: lr0 });
  const lossHistory: number[] = [];
  let pairsPerEpoch = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const { centres, contexts } = skipGramPairs(corpus, trainChapters, window, 1e-3, g);
    pairsPerEpoch = centres.length;
    // shuffle the pairs: consecutive pairs share a centre word, which would make batches lopsided
    const order = Int32Array.from({ length: centres.length }, (_, i) => i);
    const keys = g.uniform(order.length);
    order.sort((a, b) => keys[a] - keys[b]);
    const steps = Math.ceil(order.length / batch);
    const bar = opts.verbose ? new ProgressBar({ total: steps, label: `word2vec epoch ${epoch}/${epochs}`, unit: "batch" }) : undefined;
    let sum = 0, seen = 0;
    for (let s = 0; s < steps; s++) {
      optimizer.paramGroups[0].lr = lr0 * Math.max(1e-4, 1 - ((epoch - 1) * steps + s) / (epochs * steps));
      const idx = order.subarray(s * batch, Math.min(order.length, (s + 1) * batch));
      const b = idx.length;
      const loss = scope(() => {
        const c = tensor(Int32Array.from(idx, (i) => centres[i]), { dtype: "int32" });
        const x = tensor(Int32Array.from(idx, (i) => contexts[i]), { dtype: "int32" });
        const n = tensor(sampler.sample(b * negatives, g), { shape: [b, negatives], dtype: "int32" });
        const l = model.call(c, x, n);
        l.backward();
        return l.item();
      });
      scope(() => optimizer.step());
      optimizer.zeroGrad();
      sum += loss * b;
      seen += b;
      if (s % 20 === 0) lossHistory.push(loss);
      bar?.update(s + 1, { loss: sum / seen });
    }
  }
  const vectors = Float32Array.from(model.inEmbed.weight.dataSync() as Float32Array);
  const unit = unitRows(vectors, dim);
  const vec = (w: string): Float32Array => unit.subarray(corpus.index.get(w)! * dim, (corpus.index.get(w)! + 1) * dim);
  const neighbours: Record<string, string[]> = {};
  for (const q of QUERIES.filter((w) => corpus.index.has(w))) {
    neighbours[q] = nearest(unit, dim, corpus.words, vec(q), 10, new Set([corpus.index.get(q)!])).map((x) => x.word);
  }
  const whaleDomainHits = (neighbours.whale ?? []).filter((w) => WHALE_DOMAIN.has(w)).length;
  const analogies = ANALOGIES.filter((ws) => ws.every((w) => corpus.index.has(w))).map(([a, b, c, expected]) => {
    // b − a + c, excluding the three query words (the 3CosAdd rule)
    const q = new Float32Array(dim);
    for (let d = 0; d < dim; d++) q[d] = vec(b)[d] - vec(a)[d] + vec(c)[d];
    const top = nearest(unit, dim, corpus.words, q, 5, new Set([a, b, c].map((w) => corpus.index.get(w)!))).map((x) => x.word);
    return { query: `${a}:${b} :: ${c}:?`, expected, top, hit: top.includes(expected) };
  });
  const heldOut = cooccurrenceGap(corpus, heldOutChapters, unit, dim, new Generator(seed + 3));

  const vectorsPath = join(outDir, "vectors.txt");
  await writeOutput(vectorsPath, word2vecText(corpus.words, vectors, dim));
  await saveModelDir(join(outDir, "model"), {
    architecture: model.getConfig(),
    stateDict: model.stateDict(),
    preprocessing: { tokenizer: { kind: "regex", pattern: WORD_PATTERN, flags: "u", lowercase: true }, vocabulary: corpus.words },
    metadata: { example: "word2vec", window, negatives, epochs, heldOutGap: heldOut.gap },
  });
  const svg = linePlot({
    series: [{ name: "batch loss", x: lossHistory.map((_, i) => i * 20), y: lossHistory }],
    xLabel: "step", yLabel: "negative-sampling loss", title: "word2vec on Moby Dick",
  });
  await saveCharts(outDir, { loss: svg });
  model.dispose();
  return {
    vocabSize: corpus.words.length, dim, trainTokens, pairsPerEpoch, epochs,
    firstLoss: lossHistory[0], lastLoss: lossHistory[lossHistory.length - 1],
    heldOut, neighbours, whaleDomainHits, analogies, vectorsPath,
    seconds: (performance.now() - started) / 1000, backend: getBackend().name, lossHistory,
  };
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runWord2vec({ quick: process.argv.includes("--quick"), epochs: flag("epochs"), seed: flag("seed"), verbose: true });
  for (const [w, ns] of Object.entries(r.neighbours)) console.error(`${w}: ${ns.join(", ")}`);
  for (const a of r.analogies) console.error(`${a.query} expected ${a.expected}: ${a.top.join(", ")}${a.hit ? "  ✓" : ""}`);
  const { lossHistory: _lossHistory, ...summary } = r;
  console.log(JSON.stringify(summary));
}
