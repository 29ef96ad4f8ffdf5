// The data side of an experiment: load the source, keep the columns the spec names, drop rows that
// cannot be used, infer the task from the target, and split train / validation / test reproducibly.
import { isDataset, loadDataset } from "../data/catalog.js";
import { readTable } from "../data/ingest/index.js";
import { randomSplit } from "../data/split.js";
import { isMissing, type Table } from "../data/table.js";
import { LabelEncoder } from "../data/transforms/encoders.js";
import type { Task } from "./evaluate.js";
import type { ExperimentSpec } from "./spec.js";

/** Rows kept by a `quick` run: enough to learn something, few enough for a test. */
export const QUICK_ROWS = 1200;

/** A classification target with at most this many distinct integer values is read as classes, not a number. */
const MAX_NUMERIC_CLASSES = 10;

/** The experiment's table after column checks and row filtering. */
export interface PreparedData {
  /** The input columns and the target, usable rows only. */
  table: Table;
  task: Task;
  /** Sorted class names (classification), as the LabelEncoder orders them. */
  classes: string[];
  /** The raw input columns (the text column, or the features). */
  inputs: string[];
  /** Rows dropped for a missing target or input. */
  dropped: number;
}

/** The three parts of the data; `val` only when the spec asks for a validation share. */
export interface DataSplits {
  train: Table;
  val?: Table;
  test: Table;
}

/** The data does not fit the spec (a missing column, too few rows); the message starts with the spec field. */
export class ExperimentDataError extends Error {
  override name = "ExperimentDataError";
}

/** Loads a catalog dataset by name, or a data file (already resolved by the spec loader). */
export function loadSource(source: string): Promise<Table> {
  return isDataset(source) ? loadDataset(source) : readTable(source);
}

function checkColumn(table: Table, field: string, name: string, source: string): void {
  if (!table.has(name)) throw new ExperimentDataError(`${field}: no column "${name}" in ${source} (columns: ${table.columnNames.join(", ")})`);
}

function inferTask(table: Table, target: string): Task {
  const c = table.column(target);
  if (c.type === "string" || c.type === "boolean") return new Set(c.values.filter((v) => v !== null)).size > 2 ? "multiclass" : "binary";
  const values = Array.from(c.values as Float64Array).filter((v) => !Number.isNaN(v));
  const distinct = new Set(values);
  if (values.every(Number.isInteger) && distinct.size <= MAX_NUMERIC_CLASSES) return distinct.size > 2 ? "multiclass" : "binary";
  return "regression";
}

/**
 * Checks the spec's columns against the table, keeps only inputs + target, and drops rows whose target
 * or text is missing, or (tabular) whose numeric feature is missing: the saved preprocessing has no
 * imputer for numbers, so such a row could not be served either. Missing categories encode as all zeros.
 */
export function prepareData(spec: ExperimentSpec, raw: Table): PreparedData {
  const { source, target, text, features } = spec.data;
  checkColumn(raw, "data.target", target, source);
  const inputs = text !== undefined ? [text] : (features as string[]);
  inputs.forEach((name, i) => checkColumn(raw, text !== undefined ? "data.text" : `data.features[${i}]`, name, source));
  if (inputs.includes(target)) throw new ExperimentDataError(`data.features: the target "${target}" cannot also be a feature`);
  if (text !== undefined && raw.column(text).type !== "string") throw new ExperimentDataError(`data.text: column "${text}" is ${raw.column(text).type}, expected a string column`);
  let table = raw.select([...inputs, target]);
  const mustHave = [target, ...inputs.filter((n) => text !== undefined || table.column(n).type !== "string")];
  const keep: number[] = [];
  for (let i = 0; i < table.numRows; i++) if (mustHave.every((n) => !isMissing(table.column(n), i))) keep.push(i);
  const dropped = table.numRows - keep.length;
  if (dropped > 0) table = table.take(keep);
  if (table.numRows < 10) throw new ExperimentDataError(`data: only ${table.numRows} usable rows in ${source} (need at least 10)`);
  const task = inferTask(table, target);
  const classes = task === "regression" ? [] : new LabelEncoder().fit(table.column(target)).classes;
  if (task !== "regression" && classes.length < 2) throw new ExperimentDataError(`data.target: column "${target}" has a single class "${classes[0]}"; nothing to learn`);
  return { table, task, classes, inputs, dropped };
}

/** Splits off test rows, then validation rows from the rest; stratified by the target when asked and classifying. */
export function splitData(spec: ExperimentSpec, data: PreparedData, quick = false): DataSplits {
  const { test, validation, stratify, seed } = spec.data.split;
  const by = stratify && data.task !== "regression" ? spec.data.target : undefined;
  let table = data.table;
  // a quick run keeps a (stratified) sample: the held-out side of a split of QUICK_ROWS rows
  if (quick && table.numRows > QUICK_ROWS) table = randomSplit(table, { testSize: QUICK_ROWS, seed, stratify: by }).test;
  const outer = randomSplit(table, { testSize: test, seed, stratify: by });
  if (validation === undefined) return { train: outer.train, test: outer.test };
  const inner = randomSplit(outer.train, { testSize: validation / (1 - test), seed: seed + 1, stratify: by });
  return { train: inner.train, val: inner.test, test: outer.test };
}
