// A registry like one `ingot train` leaves behind, built for real: penguin-sex classifiers trained here
// with their losses logged per step, each scored on a held-out split into an evaluation.json artifact,
// registered as two versions of "penguins" with a drift reference; plus a live and a failed run.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  accuracy, Adam, averagePrecisionScore, binaryCrossEntropy, ColumnTransformer, confusionMatrix, f1Score, Generator, LabelEncoder, Linear, noGrad,
  OneHotEncoder, openRegistry, precision, precisionRecallCurve, recall, ReLU, rocAucScore, rocCurve, saveModelDir, scope, Sequential, Sigmoid,
  specToJSON, StandardScaler, tensor, trainTestSplit, type Registry,
} from "../../src/index.js";
import { EVALUATION_ARTIFACT, type RunEvaluation } from "../../src/experiment/evaluation.js";
import { driftReference, saveDriftReference } from "../../src/monitor/index.js";
import { NUMERIC, penguinRows, penguinTable, type PenguinRow } from "../serve/helpers.js";

/** What the tests know about the registry they are given. */
export interface Fixture {
  root: string;
  registry: Registry;
  /** The two trained runs (experiment "penguins-sex"), the live one and the failed one (experiment "scratch"). */
  runs: { fast: string; slow: string; live: string; failed: string };
  /** Held-out rows each evaluation was computed on. */
  testSize: number;
  /** The evaluation logged by the "fast" run, as computed here. */
  fastEvaluation: RunEvaluation;
  /** Rows a client would send (the feature fields only). */
  featureRows: PenguinRow[];
  close(): Promise<void>;
}

const STEPS = 40;
const FEATURES = ["Species", ...NUMERIC];

interface Trained {
  runId: string;
  dir: string;
  evaluation: RunEvaluation;
}

/** Trains one classifier, logging loss and train accuracy per step, then scores the held-out rows. */
async function trainRun(registry: Registry, root: string, name: string, lr: number, hidden: number, train: PenguinRow[], test: PenguinRow[]): Promise<Trained> {
  const run = await registry.startRun({ experiment: "penguins-sex", name, params: { lr, hidden, steps: STEPS, optimizer: "adam" }, tags: { dataset: "penguins" } });
  const ct = new ColumnTransformer([new OneHotEncoder(["Species"]), new StandardScaler(NUMERIC)]);
  const { features } = ct.fitTransform(penguinTable(train));
  const label = new LabelEncoder().fit(train.map((r) => r.Sex as string)); // FEMALE = 0, MALE = 1
  const yTrain = label.transform(train.map((r) => r.Sex as string));
  const y = tensor(Float32Array.from(yTrain), { shape: [train.length, 1] });
  const g = new Generator(7);
  const model = new Sequential(new Linear(features.shape[1], hidden, { generator: g }), new ReLU(), new Linear(hidden, 1, { generator: g }), new Sigmoid());
  const opt = new Adam(model.parameters(), { lr });
  for (let step = 0; step < STEPS; step++) {
    const [loss, acc] = scope(() => {
      opt.zeroGrad();
      const p = model.call(features);
      const l = binaryCrossEntropy(p, y);
      l.backward();
      opt.step();
      return [l.item(), accuracy(yTrain, (p.toArray() as number[][]).map((r) => (r[0] >= 0.5 ? 1 : 0)))];
    });
    await registry.logMetrics(run.id, [{ key: "loss", value: loss, step }, { key: "train_accuracy", value: acc, step }]);
  }
  features.dispose();
  y.dispose();

  const yTrue = label.transform(test.map((r) => r.Sex as string));
  const scores = noGrad(() => scope(() => (model.call(ct.transform(penguinTable(test)).features).toArray() as number[][]).map((r) => r[0])));
  const yPred = scores.map((s) => (s >= 0.5 ? 1 : 0));
  const roc = rocCurve(yTrue, scores);
  const pr = precisionRecallCurve(yTrue, scores);
  const evaluation: RunEvaluation = {
    split: "test",
    task: "binary",
    metrics: {
      accuracy: accuracy(yTrue, yPred), precision: precision(yTrue, yPred), recall: recall(yTrue, yPred), f1: f1Score(yTrue, yPred),
      rocAuc: rocAucScore(yTrue, scores),
    },
    classes: ["FEMALE", "MALE"],
    confusionMatrix: confusionMatrix(yTrue, yPred, { labels: [0, 1] }),
    roc: { fpr: roc.fpr, tpr: roc.tpr, auc: rocAucScore(yTrue, scores) },
    pr: { recall: pr.recall, precision: pr.precision, averagePrecision: averagePrecisionScore(yTrue, scores) },
  };
  await registry.logMetrics(run.id, Object.entries(evaluation.metrics).map(([k, value]) => ({ key: `test_${k}`, value, step: STEPS })));
  await registry.logArtifact(run.id, new TextEncoder().encode(JSON.stringify(evaluation)), EVALUATION_ARTIFACT);

  const dir = join(root, "staging", name);
  await saveModelDir(dir, { architecture: model.getConfig(), stateDict: model.stateDict(), preprocessing: specToJSON({ tabular: ct, label }) });
  await saveDriftReference(dir, driftReference(train.map((r) => Object.fromEntries(FEATURES.map((f) => [f, r[f]]))), { fields: FEATURES }));
  model.dispose();
  await registry.endRun(run.id, "finished");
  return { runId: run.id, dir, evaluation };
}

/** Builds the registry in a fresh temporary folder. */
export async function buildFixture(): Promise<Fixture> {
  const root = await mkdtemp(join(tmpdir(), "ingot-dashboard-"));
  const registry = openRegistry({ root: join(root, "registry") });
  const rows = penguinRows();
  const [train, test] = trainTestSplit([rows], { testSize: 0.25, seed: 11 })[0];
  const fast = await trainRun(registry, root, "adam-fast", 0.03, 16, train, test);
  const slow = await trainRun(registry, root, "adam-slow", 0.003, 8, train, test);
  await registry.registerModel("penguins", { modelDir: fast.dir, fromRun: fast.runId, notes: "first model: lr 0.03" });
  await registry.registerModel("penguins", { modelDir: slow.dir, fromRun: slow.runId, notes: "smaller, slower learner" });
  await registry.setAlias("penguins", "production", 1);

  const live = await registry.startRun({ experiment: "scratch", name: "still-training", params: { lr: 0.01 } });
  await registry.logMetrics(live.id, [0, 1, 2].map((step) => ({ key: "loss", value: 0.7 / (step + 1), step })));
  const failed = await registry.startRun({ experiment: "scratch", name: "diverged", params: { lr: 5 } });
  await registry.logMetric(failed.id, "loss", 9.5, 0);
  await registry.endRun(failed.id, "failed");

  return {
    root,
    registry,
    runs: { fast: fast.runId, slow: slow.runId, live: live.id, failed: failed.id },
    testSize: test.length,
    fastEvaluation: fast.evaluation,
    featureRows: rows.map((r) => Object.fromEntries(FEATURES.map((f) => [f, r[f]]))),
    close: async () => {
      await registry.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
