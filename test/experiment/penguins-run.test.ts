import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { evaluatePredictions, loadExperimentSpec, runExperiment, type RunEvaluation } from "../../src/experiment/index.js";
import { openRegistry } from "../../src/registry/index.js";
import { createServer, registryModelSource, type FeatureRow } from "../../src/serve/index.js";
import { loadDataset, randomSplit } from "../../src/data/index.js";

const SPEC = resolve(import.meta.dirname, "../../examples/specs/penguins.yaml");
const ACCURACY_FLOOR = 0.9;

test("a quick penguins run logs per-epoch metrics, registers the model, and its evaluation.json matches the served predictions", async () => {
  const root = await mkdtemp(join(tmpdir(), "ingot-exp-"));
  const registry = openRegistry({ root });
  try {
    const spec = await loadExperimentSpec(SPEC);
    const seen: number[] = [];
    let handed: { rows: FeatureRow[]; scores: number[] } | null = null;
    const r = await runExperiment(spec, {
      registry, quick: true, onEpoch: (logs) => seen.push(logs.epoch),
      afterSave: async (_dir, rows, scores) => void (handed = { rows, scores }),
    });
    assert.equal(r.task, "multiclass");
    assert.deepEqual(r.classes, ["Adelie", "Chinstrap", "Gentoo"]);
    assert.ok(r.evaluation.metrics.accuracy >= ACCURACY_FLOOR, `held-out accuracy ${r.evaluation.metrics.accuracy} < ${ACCURACY_FLOOR}`);
    assert.equal(r.version, 1);

    // the run: finished, params, per-epoch metrics at step = epoch, test metrics, evaluation artifact
    const run = await registry.getRun(r.runId);
    assert.equal(run.status, "finished");
    assert.equal(run.params["training.lr"], "0.01");
    assert.equal(run.params.task, "multiclass");
    assert.match(run.dataFingerprint ?? "", /^sha256:[0-9a-f]{64}$/);
    const loss = await registry.metricHistory(r.runId, "loss");
    assert.deepEqual(loss.map((p) => p.step), seen);
    assert.ok(seen.length >= 1 && seen.length <= 5);
    assert.ok(loss.at(-1)!.value < loss[0].value, "training loss went down");
    assert.equal((await registry.metricHistory(r.runId, "valAccuracy")).length, seen.length);
    assert.equal(run.metrics["test.accuracy"], r.evaluation.metrics.accuracy);
    const stored = JSON.parse(await readFile(registry.artifactPath(r.runId, "evaluation.json"), "utf8")) as RunEvaluation;
    assert.deepEqual(stored, JSON.parse(JSON.stringify(r.evaluation)));
    assert.ok(run.artifacts.some((a) => a.name === "model/model.safetensors"));
    assert.deepEqual((await registry.getVersion("penguins", { alias: "staging" })).runId, r.runId);

    // afterSave got the raw training rows (inputs only) and one score per row
    assert.ok(handed);
    const h = handed as { rows: FeatureRow[]; scores: number[] };
    assert.equal(h.rows.length, Number(run.params.trainRows));
    assert.deepEqual(Object.keys(h.rows[0]).sort(), [...(spec.data.features as string[])].sort());
    assert.ok(h.scores.every((s) => s > 1 / 3 - 1e-6 && s <= 1));

    // recompute the held-out rows independently and score them through the HTTP server
    const all = await loadDataset("penguins");
    const numeric = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"];
    const keep = Array.from({ length: all.numRows }, (_, i) => i).filter((i) => numeric.every((n) => all.row(i)[n] !== null) && all.row(i).Species !== null);
    const usable = all.take(keep).select([...(spec.data.features as string[]), "Species"]);
    const testRows = randomSplit(usable, { testSize: spec.data.split.test, seed: spec.data.split.seed, stratify: "Species" }).test;
    assert.equal(testRows.numRows, Number(run.params.testRows));
    const rows = Array.from({ length: testRows.numRows }, (_, i) => {
      const { Species: _s, ...features } = testRows.row(i);
      return features as FeatureRow;
    });
    const app = createServer({ models: registryModelSource(registry) });
    try {
      const res = await app.inject({ method: "POST", url: "/v1/models/penguins/aliases/staging/predict", payload: { rows } });
      assert.equal(res.statusCode, 200, res.body);
      const preds = (res.json() as { predictions: { label: string; probabilities: Record<string, number> }[] }).predictions;
      const truth = Array.from({ length: testRows.numRows }, (_, i) => r.classes.indexOf(testRows.row(i).Species as string));
      const recomputed = evaluatePredictions("multiclass", truth, preds.map((p) => r.classes.map((c) => p.probabilities[c])), r.classes);
      for (const [k, v] of Object.entries(stored.metrics)) assert.ok(Math.abs(v - recomputed.metrics[k]) < 1e-9, `${k}: stored ${v}, served ${recomputed.metrics[k]}`);
      assert.deepEqual(stored.confusionMatrix, recomputed.confusionMatrix);
      const correct = preds.filter((p, i) => p.label === testRows.row(i).Species).length;
      assert.equal(correct / preds.length, stored.metrics.accuracy);
    } finally {
      await app.close();
    }
  } finally {
    await registry.close();
    await rm(root, { recursive: true, force: true });
  }
});

test("a run that crashes after it started is marked failed, with the error as a tag", async () => {
  const root = await mkdtemp(join(tmpdir(), "ingot-exp-"));
  const registry = openRegistry({ root });
  try {
    const spec = await loadExperimentSpec(SPEC);
    await assert.rejects(runExperiment(spec, { registry, quick: true, afterSave: async () => { throw new Error("disk full"); } }), /disk full/);
    const [run] = await registry.listRuns({ experiment: "penguins" });
    assert.equal(run.status, "failed");
    assert.equal(run.tags.error, "disk full");
    assert.deepEqual(await registry.listModels(), []); // nothing registered
  } finally {
    await registry.close();
    await rm(root, { recursive: true, force: true });
  }
});
