// Scoring a saved model directory exactly as the server does (its saved preprocessing on raw rows, the
// forward pass, predictions read the same way), so a run's stored evaluation is the served model's.
import type { Table } from "../data/table.js";
import { isMissing } from "../data/table.js";
import { loadModelDir } from "../io/model-dir.js";
import { rowsToFeatures, type FeatureRow } from "../serve/features.js";
import { forwardRows, loadServedModel, toPredictions, type Prediction } from "../serve/served-model.js";
import { evaluatePredictions, type Scores, type Task } from "./evaluate.js";
import type { RunEvaluation } from "./evaluation.js";

/** Rows scored per forward pass: bounds the dense TF-IDF matrix of a large text set. */
const SCORE_BATCH = 512;

/** What runExperiment records in a model directory's metadata, and eval reads back. */
export interface ExperimentModelMetadata {
  task: Task;
  /** The target column. */
  target: string;
  /** The raw input columns a row must carry. */
  inputs: string[];
  /** The text field (text models). */
  textField?: string;
  experiment: string;
  runId: string;
}

/** Raw feature rows of `columns` of `table`, as a client would send them (dates as epoch milliseconds). */
export function tableRows(table: Table, columns: readonly string[]): FeatureRow[] {
  const cols = columns.map((n) => table.column(n));
  return Array.from({ length: table.numRows }, (_, i) => {
    const row: FeatureRow = {};
    for (const c of cols) row[c.name] = isMissing(c, i) ? null : (c.values[i] as string | number | boolean);
    return row;
  });
}

/** Predictions as evaluation scores: P(class 1), class probability rows in `classes` order, or values. */
export function scoresOf(task: Task, classes: readonly string[], preds: readonly Prediction[]): Scores {
  if (task === "multiclass") return preds.map((p) => ("probabilities" in p ? classes.map((c) => p.probabilities[c]) : []));
  return preds.map((p) => ("probability" in p ? p.probability : "value" in p ? p.value : NaN));
}

/** Predicts raw rows with the model directory at `dir`, in batches, through the serving code path. */
export async function predictRows(dir: string, rows: readonly FeatureRow[]): Promise<Prediction[]> {
  const model = await loadServedModel({ name: "model", version: 1, dir });
  try {
    const out: Prediction[] = [];
    for (let start = 0; start < rows.length; start += SCORE_BATCH) {
      const x = rowsToFeatures(rows.slice(start, start + SCORE_BATCH), model.preprocessor, model.textField);
      out.push(...toPredictions(model, forwardRows(model, x)));
    }
    return out;
  } finally {
    model.module.dispose();
  }
}

/** Reads the experiment metadata of a model directory saved by runExperiment; an error if it has none. */
export async function readModelMetadata(dir: string): Promise<{ metadata: ExperimentModelMetadata; classes: string[] }> {
  const { config, stateDict } = await loadModelDir(dir);
  for (const t of Object.values(stateDict)) t.dispose();
  const m = config.metadata as Partial<ExperimentModelMetadata> | undefined;
  if (!m || typeof m.task !== "string" || typeof m.target !== "string" || !Array.isArray(m.inputs)) {
    throw new Error(`${dir}: this model directory was not saved by an experiment run (its metadata has no task, target and inputs)`);
  }
  const pre = config.preprocessing as { label?: { classes?: unknown } } | undefined;
  const classes = Array.isArray(pre?.label?.classes) ? (pre.label.classes as string[]) : [];
  return { metadata: m as ExperimentModelMetadata, classes };
}

/**
 * Re-scores the model directory at `dir` on `table` (which must hold the model's inputs and target):
 * rows with a missing target or numeric input are left out, as in training. Returns the evaluation.
 */
export async function evaluateModelDir(dir: string, table: Table, split = "eval"): Promise<{ evaluation: RunEvaluation; rows: number; dropped: number }> {
  const { metadata, classes } = await readModelMetadata(dir);
  for (const name of [...metadata.inputs, metadata.target]) {
    if (!table.has(name)) throw new Error(`the data has no column "${name}", which the model needs (columns: ${table.columnNames.join(", ")})`);
  }
  const needed = [metadata.target, ...metadata.inputs.filter((n) => table.column(n).type !== "string" || n === metadata.textField)];
  const keep: number[] = [];
  for (let i = 0; i < table.numRows; i++) if (needed.every((n) => !isMissing(table.column(n), i))) keep.push(i);
  const t = table.take(keep);
  const target = t.column(metadata.target);
  let yTrue: number[];
  if (metadata.task === "regression") yTrue = Array.from(target.values as ArrayLike<number>);
  else {
    const index = new Map(classes.map((c, k) => [c, k]));
    yTrue = Array.from({ length: t.numRows }, (_, i) => {
      const v = String(target.values[i]);
      const k = index.get(v);
      if (k === undefined) throw new Error(`target "${metadata.target}" has the value ${JSON.stringify(v)} at row ${keep[i]}, which is not a class the model knows (${classes.join(", ")})`);
      return k;
    });
  }
  const preds = await predictRows(dir, tableRows(t, metadata.inputs));
  return { evaluation: evaluatePredictions(metadata.task, yTrue, scoresOf(metadata.task, classes, preds), classes, split), rows: t.numRows, dropped: table.numRows - t.numRows };
}
