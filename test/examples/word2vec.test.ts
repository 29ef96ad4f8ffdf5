import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Generator, loadModelDir } from "../../src/index.js";
import {
  buildCorpus, cooccurrenceGap, loadWord2vecText, parseWord2vecText, runWord2vec, UnigramSampler, unitRows, word2vecText,
} from "../../examples/word2vec.js";

test("the unigram^0.75 sampler draws words in proportion to count^0.75", () => {
  const counts = [1000, 100, 10, 1];
  const draws = new UnigramSampler(counts).sample(200_000, new Generator(0));
  const w = counts.map((c) => c ** 0.75);
  const total = w.reduce((a, b) => a + b, 0);
  counts.forEach((_, i) => {
    const share = draws.filter((d) => d === i).length / draws.length;
    assert.ok(Math.abs(share - w[i] / total) < 0.01, `word ${i}: ${share} vs ${w[i] / total}`);
  });
});

test("the word2vec text format round-trips and bad files name the line", () => {
  const vectors = Float32Array.from([0.1, -2.5, 3e-5, 1234.5678, -0.000123, 7]);
  const back = parseWord2vecText(word2vecText(["whale", "ship", "sea's"], vectors, 2));
  assert.deepEqual(back.words, ["whale", "ship", "sea's"]);
  assert.equal(back.dim, 2);
  assert.deepEqual(back.vectors, vectors);
  assert.throws(() => parseWord2vecText("2 2\na 1 2\n"), /header says 2 words but the file has 1/);
  assert.throws(() => parseWord2vecText("1 2\na 1 x\n", "v.txt"), /v\.txt: line 2: value 2 "x" is not a number/);
  assert.throws(() => parseWord2vecText("1 3\na 1 2\n"), /line 2 has 2 values, expected 3/);
});

test("the co-occurrence check gives random vectors a gap near 0", () => {
  // 300 made-up words in random order: no pair co-occurs more than chance
  const g = new Generator(2);
  const text = Array.from(g.integers(20_000, 0, 300), (i) => `w${String.fromCharCode(97 + (i % 26), 97 + Math.floor(i / 26))}`).join(" ");
  const corpus = buildCorpus([text], 1);
  const dim = 32;
  const unit = unitRows(new Generator(0).normal(corpus.words.length * dim), dim);
  const { gap } = cooccurrenceGap(corpus, [0], unit, dim, new Generator(1));
  assert.ok(Math.abs(gap) < 0.01, `gap ${gap}`);
});

// quick mode: half of Moby Dick's training chapters, 3 epochs. A quick run reaches a held-out gap of
// ~0.04 and 4 whale-domain neighbours (sperm, hump, greenland, fishery); the floors sit below that.
test("skip-gram learns Moby Dick's neighbourhoods and exports loadable vectors (quick)", async () => {
  const outDir = await mkdtemp(join(tmpdir(), "zoo-w2v-"));
  try {
    const r = await runWord2vec({ quick: true, seed: 0, outDir });
    assert.ok(r.lastLoss < 0.7 * r.firstLoss, `loss ${r.firstLoss} -> ${r.lastLoss}`);
    assert.ok(r.heldOut.gap > 0.02, `held-out co-occurrence gap ${JSON.stringify(r.heldOut)}`);
    assert.ok(r.whaleDomainHits >= 2, `whale's neighbours: ${r.neighbours.whale.join(", ")}`);
    // the exported file holds the model's input vectors, in vocabulary order
    const loaded = await loadWord2vecText(r.vectorsPath);
    assert.equal(loaded.words.length, r.vocabSize);
    assert.equal(loaded.dim, r.dim);
    const model = await loadModelDir(join(outDir, "model"));
    const weights = model.stateDict["inEmbed.weight"].dataSync() as Float32Array;
    let maxRel = 0;
    for (let k = 0; k < weights.length; k++) maxRel = Math.max(maxRel, Math.abs(weights[k] - loaded.vectors[k]) / Math.max(1e-6, Math.abs(weights[k])));
    assert.ok(maxRel < 1e-6, `max relative difference ${maxRel}`);
    assert.deepEqual((model.config.preprocessing as { vocabulary: string[] }).vocabulary, loaded.words);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
