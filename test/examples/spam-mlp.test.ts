import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadSpamSplits, runSpamMlp } from "../../examples/spam-mlp.js";

// scikit-learn on the same split: test/fixtures/zoo-spam-make-baseline.py (split from zoo-spam-make-split.ts)
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8"));
const split = fixture("zoo-spam-split.json") as { train: number[]; val: number[]; test: number[] };
const baseline = fixture("zoo-spam-baseline.json") as { testRows: number; testSpam: number; logisticRegression: { f1: number } };

// quick: the runner's 1200-e-mail sample (240 test rows), 3000 terms, 5 epochs; measured F1 ≈ 0.96, AUC ≈ 0.9998.
// Always answering "ham" scores F1 0 and a shuffled-label model about 0.3, so these floors need real learning.
const QUICK_F1_FLOOR = 0.9;
const QUICK_AUC_FLOOR = 0.97;

test("the spam examples split the e-mails exactly as the scikit-learn reference was scored", async () => {
  const s = await loadSpamSplits(false);
  assert.deepEqual(s.train.rows, split.train);
  assert.deepEqual(s.val.rows, split.val);
  assert.deepEqual(s.test.rows, split.test);
  assert.equal(s.test.labels.filter((y) => y === 1).length, baseline.testSpam);
  // the three parts are disjoint and cover the corpus
  assert.equal(new Set([...s.train.rows, ...s.val.rows, ...s.test.rows]).size, 6046);
});

test("spam-mlp --quick learns a held-out F1 past its floor and writes its model, evaluation and plots", async () => {
  const outDir = await mkdtemp(join(tmpdir(), "ingot-spam-mlp-test-"));
  try {
    const m = await runSpamMlp({ quick: true, outDir });
    console.log(`quick spam-mlp: F1 ${m.f1.toFixed(4)}, ROC AUC ${m.rocAuc.toFixed(4)} (reference LR on the full split: ${baseline.logisticRegression.f1.toFixed(4)}), ${m.trainSeconds.toFixed(1)} s`);
    assert.equal(m.testRows, 240);
    assert.ok(m.f1 >= QUICK_F1_FLOOR, `held-out F1 ${m.f1} < ${QUICK_F1_FLOOR}`);
    assert.ok(m.rocAuc >= QUICK_AUC_FLOOR, `held-out ROC AUC ${m.rocAuc} < ${QUICK_AUC_FLOOR}`);
    assert.ok(m.lastLoss < m.firstLoss / 4, `training loss ${m.firstLoss} → ${m.lastLoss}`);
    for (const f of ["model/config.json", "model/model.safetensors", "evaluation.json", "roc.svg", "roc.png", "confusion.svg", "confusion.png"]) assert.ok(existsSync(join(outDir, f)), f);
    const evaluation = JSON.parse(readFileSync(join(outDir, "evaluation.json"), "utf8")) as { metrics: { f1: number }; confusionMatrix: number[][] };
    assert.equal(evaluation.metrics.f1, m.f1);
    assert.equal(evaluation.confusionMatrix.flat().reduce((a, b) => a + b, 0), 240);
    assert.match(readFileSync(join(outDir, "roc.svg"), "utf8"), /^<svg[\s\S]*AUC/);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
