// One experiment, end to end: load and split the data, fit preprocessing on the training rows, train the
// spec's MLP with fit(), log everything to a registry run, evaluate the saved model on the held-out rows
// through the serving code path, and register it. A crash after the run starts marks the run failed.
import { createHash } from "node:crypto";
import { specToJSON } from "../data/spec.js";
import type { Table } from "../data/table.js";
import { saveModelDir } from "../io/model-dir.js";
import type { LossName } from "../losses/index.js";
import { Accuracy, F1Score, MeanAbsoluteError, type Metric } from "../metrics/index.js";
import type { Module } from "../nn/module.js";
import { Adam, AdamW, SGD, type Optimizer } from "../optim/index.js";
import type { ParamValue, Registry } from "../registry/index.js";
import type { FeatureRow } from "../serve/features.js";
import { predictionScore } from "../serve/served-model.js";
import type { Tensor } from "../tensor/index.js";
import { fit } from "../train/fit.js";
import { EarlyStopping } from "../train/callbacks.js";
import type { Callback, EpochLogs, History } from "../train/types.js";
import { loadSource, prepareData, splitData, type PreparedData } from "./dataset.js";
import { evaluatePredictions, type Task } from "./evaluate.js";
import { EVALUATION_ARTIFACT, type RunEvaluation } from "./evaluation.js";
import { buildMlp } from "./model.js";
import { fitPreprocessing, targetTensor, targetValues } from "./preprocess.js";
import { predictRows, scoresOf, tableRows, type ExperimentModelMetadata } from "./score.js";
import type { ExperimentSpec } from "./spec.js";

/** A quick run trains at most this many epochs. */
export const QUICK_EPOCHS = 5;

/** Options of runExperiment. */
export interface RunExperimentOptions {
  /** Where the run is logged and the model registered. */
  registry: Registry;
  /** Shrink data (QUICK_ROWS rows), vocabulary and epochs: for tests and smoke runs. */
  quick?: boolean;
  /** Called after each epoch with its logs. */
  onEpoch?: (logs: EpochLogs) => void;
  /** Draw fit()'s progress bar on stderr. */
  progress?: boolean;
  /**
   * Called once the model directory is saved, before registration, with the raw training rows (input
   * columns only) and each row's served score (see predictionScore): e.g. to store drift references in it.
   */
  afterSave?: (modelDir: string, trainRows: FeatureRow[], trainScores: number[]) => Promise<void>;
  /** The run's name (default: the experiment's). */
  runName?: string;
}

/** What runExperiment returns. */
export interface ExperimentResult {
  runId: string;
  /** The saved model directory (under the run's artifacts). */
  modelDir: string;
  /** The registered version, when the spec has `register`. */
  version?: number;
  evaluation: RunEvaluation;
  task: Task;
  /** Class names in label order (classification). */
  classes: string[];
  history: History;
  /** Wall time of the whole run, milliseconds. */
  durationMs: number;
}

/** The spec as flat params: `training.lr` → "0.001", lists as JSON. */
export function specParams(spec: ExperimentSpec): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  const walk = (v: unknown, key: string): void => {
    if (v === undefined) return;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, key ? `${key}.${k}` : k);
    else out[key] = typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : JSON.stringify(v);
  };
  walk(spec, "");
  return out;
}

/** A fingerprint description of the prepared data: its source, shape and a hash of every cell. */
function dataDescription(spec: ExperimentSpec, table: Table): Record<string, unknown> {
  const h = createHash("sha256");
  for (const c of table.columns) {
    h.update(`${c.name}\u0000${c.type}\u0000`);
    h.update(c.type === "number" || c.type === "date" ? new Uint8Array(c.values.buffer, c.values.byteOffset, c.values.byteLength) : JSON.stringify(c.values));
  }
  return { source: spec.data.source, rows: table.numRows, columns: table.columns.map((c) => `${c.name}:${c.type}`), sha256: h.digest("hex") };
}

function lossFor(task: Task): LossName {
  return task === "binary" ? "bceWithLogits" : task === "multiclass" ? "crossEntropy" : "mse";
}

function metricsFor(task: Task): Metric[] {
  if (task === "binary") return [new Accuracy({ fromLogits: true }), new F1Score({ fromLogits: true })];
  return task === "multiclass" ? [new Accuracy()] : [new MeanAbsoluteError({ name: "mae" })];
}

function optimizerFor(t: ExperimentSpec["training"], model: Module<[Tensor], Tensor>): Optimizer {
  const params = model.parameters();
  if (t.optimizer === "adamw") return new AdamW(params, { lr: t.lr, weightDecay: t.weightDecay });
  if (t.optimizer === "sgd") return new SGD(params, { lr: t.lr, momentum: 0.9, weightDecay: t.weightDecay });
  return new Adam(params, { lr: t.lr, weightDecay: t.weightDecay });
}

/** Logs each epoch's numbers to the run at step = epoch, and passes them on. */
class RunLogger implements Callback {
  constructor(private readonly registry: Registry, private readonly runId: string, private readonly onEpoch?: (logs: EpochLogs) => void) {}

  async onEpochEnd(epoch: number, logs: EpochLogs): Promise<void> {
    const entries = Object.entries(logs).filter(([k, v]) => k !== "epoch" && typeof v === "number" && Number.isFinite(v)).map(([key, value]) => ({ key, value: value as number, step: epoch }));
    await this.registry.logMetrics(this.runId, entries);
    this.onEpoch?.(logs);
  }
}

/**
 * Runs the experiment `spec`: see the file comment. The held-out evaluation is stored as the run's
 * `evaluation.json` artifact and its metrics as `test.<name>`; the model directory can be served by
 * createServer from raw rows (`{ text }` or the feature columns).
 */
export async function runExperiment(spec: ExperimentSpec, opts: RunExperimentOptions): Promise<ExperimentResult> {
  const started = performance.now();
  const { registry } = opts;
  const quick = opts.quick ?? false;
  // data problems (a missing column) are the user's to fix: they fail before any run is recorded
  const data: PreparedData = prepareData(spec, await loadSource(spec.data.source));
  const splits = splitData(spec, data, quick);
  const epochs = quick ? Math.min(spec.training.epochs, QUICK_EPOCHS) : spec.training.epochs;
  const run = await registry.startRun({
    experiment: spec.experiment,
    name: opts.runName ?? spec.experiment,
    params: {
      ...specParams(spec), "training.epochs": epochs, task: data.task, classes: JSON.stringify(data.classes),
      trainRows: splits.train.numRows, valRows: splits.val?.numRows ?? 0, testRows: splits.test.numRows, droppedRows: data.dropped,
    },
    tags: { task: data.task, source: spec.data.source, quick: String(quick), ...(spec.description && { description: spec.description }) },
    data: dataDescription(spec, data.table),
  });
  const runId = run.id;
  const owned: { dispose(): void }[] = [];
  try {
    const pre = fitPreprocessing(spec, data, splits.train, quick);
    const tensors = (t: Table): { x: Tensor; y: Tensor } => {
      const d = { x: pre.features(t), y: targetTensor(data.task, pre.preprocessor, t, spec.data.target) };
      owned.push(d.x, d.y);
      return d;
    };
    const train = tensors(splits.train);
    const val = splits.val ? tensors(splits.val) : undefined;
    const outputs = data.task === "multiclass" ? data.classes.length : 1;
    const model = buildMlp(spec.model, pre.width, outputs, spec.training.seed);
    owned.push(model);
    await registry.logParams(runId, { inputWidth: pre.width, parameters: model.parameters().reduce((n, p) => n + p.size, 0) });
    const es = spec.training.earlyStopping;
    const callbacks: Callback[] = [new RunLogger(registry, runId, opts.onEpoch)];
    if (es) callbacks.unshift(new EarlyStopping({ monitor: es.monitor, patience: es.patience, restoreBestWeights: es.restoreBestWeights }));
    const history = await fit(model, {
      train, val, loss: lossFor(data.task), optimizer: optimizerFor(spec.training, model), epochs, batchSize: spec.training.batchSize,
      metrics: metricsFor(data.task), callbacks, seed: spec.training.seed, verbose: opts.progress ?? false,
    });

    const modelDir = registry.artifactPath(runId, "model");
    const metadata: ExperimentModelMetadata = {
      task: data.task, target: spec.data.target, inputs: data.inputs, ...(pre.textField !== undefined && { textField: pre.textField }), experiment: spec.experiment, runId,
    };
    model.eval();
    await saveModelDir(modelDir, { architecture: model.getConfig(), stateDict: model.stateDict(), preprocessing: specToJSON(pre.preprocessor), metadata: { ...metadata } });

    // the held-out evaluation is of the saved model, read back and run the way the server runs it
    const testPreds = await predictRows(modelDir, tableRows(splits.test, data.inputs));
    const yTest = targetValues(data.task, pre.preprocessor, splits.test, spec.data.target);
    const evaluation = evaluatePredictions(data.task, yTest, scoresOf(data.task, data.classes, testPreds), data.classes, "test");
    await registry.logArtifact(runId, new TextEncoder().encode(`${JSON.stringify(evaluation, null, 2)}\n`), EVALUATION_ARTIFACT);
    const lastStep = history.at(-1)?.epoch ?? 0;
    await registry.logMetrics(runId, Object.entries(evaluation.metrics).filter(([, v]) => Number.isFinite(v)).map(([k, value]) => ({ key: `test.${k}`, value, step: lastStep })));
    for (const f of ["config.json", "model.safetensors"]) await registry.logArtifact(runId, `${modelDir}/${f}`, `model/${f}`);

    if (opts.afterSave) {
      const trainRows = tableRows(splits.train, data.inputs);
      const trainScores = (await predictRows(modelDir, trainRows)).map(predictionScore);
      await opts.afterSave(modelDir, trainRows, trainScores);
    }
    let version: number | undefined;
    if (spec.register) {
      const v = await registry.registerModel(spec.register.model, { modelDir, fromRun: runId, notes: spec.register.notes });
      version = v.version;
      if (spec.register.alias) await registry.setAlias(spec.register.model, spec.register.alias, v.version);
      await registry.setTags(runId, { registeredModel: spec.register.model, registeredVersion: String(v.version) });
    }
    await registry.endRun(runId, "finished");
    return { runId, modelDir, version, evaluation, task: data.task, classes: data.classes, history, durationMs: performance.now() - started };
  } catch (e) {
    await registry.setTags(runId, { error: e instanceof Error ? e.message.slice(0, 1000) : String(e) }).catch(() => undefined);
    await registry.endRun(runId, "failed").catch(() => undefined);
    throw e;
  } finally {
    for (const t of owned) t.dispose();
  }
}
