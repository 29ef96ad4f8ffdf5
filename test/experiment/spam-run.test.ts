import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { loadExperimentSpec, predictRows, runExperiment } from "../../src/experiment/index.js";
import { openRegistry } from "../../src/registry/index.js";
import { createServer, registryModelSource } from "../../src/serve/index.js";

const SPEC = resolve(import.meta.dirname, "../../examples/specs/spam.yaml");
// quick: 1200 e-mails, a 3000-term vocabulary, 5 epochs; the full spec reaches F1 ≈ 0.98 (see the README)
const QUICK_F1_FLOOR = 0.9;
const QUICK_AUC_FLOOR = 0.97;

const HAM = "From: alice@example.com\nSubject: minutes\n\nHi Bob, the minutes from Tuesday's meeting are attached. Let me know if I missed anything.";
const SPAM = "From: promo@win.biz\nSubject: FREE\n\n<html><body><b>CLICK HERE</b> to claim your FREE prize money!!! Limited offer, act now, 100% guaranteed &amp; risk free</body></html>";

test("the spam spec trains quickly past an F1 floor, and the saved model serves raw { text } rows as in-process", async () => {
  const root = await mkdtemp(join(tmpdir(), "ingot-spam-"));
  const registry = openRegistry({ root });
  try {
    const spec = await loadExperimentSpec(SPEC);
    // five quick epochs need a larger step than the full run's
    spec.training.lr = 0.005;
    const r = await runExperiment(spec, { registry, quick: true });
    assert.equal(r.task, "binary");
    assert.deepEqual(r.classes, ["ham", "spam"]);
    const m = r.evaluation.metrics;
    console.log(`quick spam: F1 ${m.f1.toFixed(4)}, ROC AUC ${m.rocAuc.toFixed(4)}, ${(r.durationMs / 1000).toFixed(1)} s`);
    assert.ok(m.f1 >= QUICK_F1_FLOOR, `held-out F1 ${m.f1} < ${QUICK_F1_FLOOR}`);
    assert.ok(m.rocAuc >= QUICK_AUC_FLOOR, `held-out ROC AUC ${m.rocAuc} < ${QUICK_AUC_FLOOR}`);
    assert.ok(r.evaluation.roc && r.evaluation.roc.fpr.length <= 200 && r.evaluation.roc.fpr[0] === 0 && r.evaluation.roc.tpr.at(-1) === 1);
    assert.equal(r.evaluation.confusionMatrix?.flat().reduce((a, b) => a + b, 0), Number((await registry.getRun(r.runId)).params.testRows));

    const texts = [HAM, SPAM, "", "plain words with no header at all"];
    const local = await predictRows(r.modelDir, texts.map((text) => ({ text })));
    const app = createServer({ models: registryModelSource(registry) });
    try {
      const res = await app.inject({ method: "POST", url: "/v1/models/spam/predict", payload: { rows: texts.map((text) => ({ text })) } });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as { version: number; predictions: { label: string; probability: number }[] };
      assert.equal(body.version, 1);
      body.predictions.forEach((p, i) => {
        const l = local[i] as { label: string; probability: number };
        assert.ok(Math.abs(p.probability - l.probability) < 1e-6, `row ${i}: served ${p.probability}, in-process ${l.probability}`);
        assert.equal(p.label, l.label);
      });
      assert.ok(body.predictions[1].probability > body.predictions[0].probability, "the prize e-mail scores spammier than the meeting note");
      const bad = await app.inject({ method: "POST", url: "/v1/models/spam/predict", payload: { rows: [{ body: "hi" }] } });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /rows\[0\]\.text/);
    } finally {
      await app.close();
    }
  } finally {
    await registry.close();
    await rm(root, { recursive: true, force: true });
  }
});
