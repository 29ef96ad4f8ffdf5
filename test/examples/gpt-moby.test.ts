// The gpt-moby example in quick mode: the validation loss falls well below what a context-free
// (unigram) model can reach, the model directory reloads to the same predictions, samples and the
// PyTorch twin's inputs are written.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { GPT2, loadModelDir, moduleFromConfig, noGrad, tensor, type LayerConfig } from "../../src/index.js";
import { loadMobyChars, lrFactor, gptMobySettings, runGptMoby, unigramEntropy } from "../../examples/gpt-moby.js";

test("the lr schedule warms up linearly, then decays along a cosine to its floor", () => {
  const h = { ...gptMobySettings(true).hyper, steps: 110, warmup: 10, minLrFactor: 0.1 };
  assert.equal(lrFactor(0, h), 0.1);
  assert.equal(lrFactor(9, h), 1);
  assert.equal(lrFactor(10, h), 1);
  assert.ok(Math.abs(lrFactor(60, h) - 0.55) < 1e-12); // halfway down the cosine
  assert.ok(Math.abs(lrFactor(110, h) - 0.1) < 1e-12);
});

test("unigram entropy is the entropy of the character frequencies", () => {
  assert.ok(Math.abs(unigramEntropy(Int32Array.of(0, 1, 0, 1), 3) - Math.log(2)) < 1e-12);
  assert.equal(unigramEntropy(Int32Array.of(2, 2, 2), 3), 0);
});

test("gpt-moby --quick learns far beyond character frequencies and saves a reloadable model", { timeout: 240_000 }, async () => {
  const outDir = mkdtempSync(join(tmpdir(), "gpt-moby-"));
  try {
    const r = await runGptMoby({ quick: true, outDir });
    const corpus = await loadMobyChars();
    assert.equal(r.vocabSize, corpus.vocab.length);
    assert.ok(corpus.split === Math.floor(corpus.ids.length * 0.9));
    // an untrained model is near-uniform: ln(V)
    assert.ok(Math.abs(r.initialValLoss - Math.log(r.vocabSize)) < 0.2, `initial val loss ${r.initialValLoss} vs ln V ${Math.log(r.vocabSize)}`);
    // a model that ignores context cannot beat the unigram entropy (≈ 3.06 nats); a learning one must clearly
    assert.ok(r.finalValLoss < 0.85 * r.unigramEntropy, `val loss ${r.finalValLoss} vs unigram entropy ${r.unigramEntropy}`);
    assert.ok(r.curve.every((p, i) => i === 0 || p.step > r.curve[i - 1].step));
    assert.ok(r.lastTrainLoss < r.firstTrainLoss - 1.5, `train loss ${r.firstTrainLoss} → ${r.lastTrainLoss}`);
    assert.equal(r.samples.length, 5);
    for (const s of r.samples) assert.ok(s.text.startsWith("Call me Ishmael. ") && s.text.length > 20 && !s.text.includes("\n\n"), s.setting);

    const dir = await loadModelDir(join(outDir, "model"));
    const model = moduleFromConfig<GPT2>(dir.config.architecture as unknown as LayerConfig);
    model.loadStateDict(dir.stateDict);
    assert.deepEqual((dir.config.preprocessing as { vocab: string[] }).vocab, corpus.vocab);
    const x = tensor(corpus.ids.slice(corpus.split, corpus.split + 32), { shape: [1, 32] });
    const logits = noGrad(() => model.eval().call(x).dataSync());
    assert.equal(logits.length, 32 * r.vocabSize);
    assert.ok(logits.every(Number.isFinite));

    const run = JSON.parse(readFileSync(join(outDir, "twin", "run.json"), "utf8")) as { batches: { train: number[][]; val: number[] } };
    assert.equal(run.batches.train.length, r.steps);
    assert.equal(statSync(join(outDir, "twin", "tokens.bin")).size, corpus.ids.length * 4);
    for (const f of ["loss.svg", "samples.txt", "metrics.json", "twin/init.safetensors"]) assert.ok(existsSync(join(outDir, f)), f);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
