// Turns a request's raw feature rows into the model's float32 input, with the preprocessing that was
// fitted at training time. Every value is checked against what the fitted transforms expect, so a bad
// value is reported as the field it came from (rows[3].Body Mass (g)) rather than as a NaN prediction.
import type { Preprocessor } from "../data/spec.js";
import { Table, type Column } from "../data/table.js";
import type { ColumnTransformer } from "../data/transforms/column-transformer.js";
import { badField, describeValue, HttpError } from "./errors.js";

/** One raw feature row as JSON delivers it. */
export type FeatureRow = Record<string, string | number | boolean | null>;

/** A batch of model inputs: `rows` × `width` float32 values, row-major. */
export interface FeatureMatrix {
  data: Float32Array;
  rows: number;
  width: number;
}

/** How a raw input column is read: as a number, as a category (any scalar), or as a date. */
export type InputKind = "number" | "category" | "date";

/** A raw column the fitted preprocessing reads, and how. */
export interface InputColumn {
  name: string;
  kind: InputKind;
}

const KIND_OF_STEP: Record<string, InputKind> = {
  StandardScaler: "number", MinMaxScaler: "number", RobustScaler: "number", KBinsDiscretizer: "number",
  OneHotEncoder: "category", OrdinalEncoder: "category", DateParts: "date",
};

/**
 * The raw columns a fitted ColumnTransformer reads: those a step consumes before any earlier step
 * produced them, plus passed-through remainder columns (numeric), in first-use order.
 */
export function inputColumns(ct: ColumnTransformer): InputColumn[] {
  const out: InputColumn[] = [];
  const seen = new Set<string>();
  const produced = new Set<string>();
  for (const step of ct.steps) {
    for (const name of step.columns) {
      if (produced.has(name) || seen.has(name)) continue;
      seen.add(name);
      out.push({ name, kind: KIND_OF_STEP[step.kind] ?? "number" });
    }
    for (const name of step.outputColumns()) produced.add(name);
  }
  if (ct.remainder === "passthrough") {
    for (const name of ct.featureNames) if (!produced.has(name) && !seen.has(name)) out.push({ name, kind: "number" });
  }
  return out;
}

function cell(rows: readonly FeatureRow[], i: number, name: string, expected: string): string | number | boolean | null {
  const v = Object.hasOwn(rows[i], name) ? rows[i][name] : undefined;
  if (v === undefined) throw badField(`rows[${i}].${name}`, `is missing (expected ${expected}; send null for a missing value)`);
  return v;
}

function readColumn(rows: readonly FeatureRow[], { name, kind }: InputColumn): Column {
  const n = rows.length;
  if (kind === "category") {
    const values = rows.map((_, i) => {
      const v = cell(rows, i, name, "a category");
      return v === null ? null : String(v);
    });
    return { name, type: "string", values };
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const expected = kind === "number" ? "a number" : "an ISO date string or epoch milliseconds";
    const v = cell(rows, i, name, expected);
    if (v === null) values[i] = NaN;
    else if (typeof v === "number") values[i] = v;
    else if (kind === "date" && typeof v === "string" && !Number.isNaN(Date.parse(v))) values[i] = Date.parse(v);
    else throw badField(`rows[${i}].${name}`, `expected ${expected}, got ${describeValue(v)}`);
  }
  return { name, type: kind, values };
}

function checkFinite(m: FeatureMatrix, names: readonly string[] | null): FeatureMatrix {
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.width; j++) {
      if (Number.isFinite(m.data[i * m.width + j])) continue;
      const feature = names ? `feature "${names[j]}"` : `feature ${j}`;
      throw badField(`rows[${i}]`, `${feature} is missing or not finite after preprocessing, and this model cannot take missing values`);
    }
  }
  return m;
}

/** Runs a transform on client data: its complaints (e.g. an unseen category) are the client's to fix. */
function clientData<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new HttpError(400, "invalid_rows", `rows: ${(e as Error).message}`, "rows");
  }
}

/**
 * Builds the model input from raw rows with the model's fitted preprocessing: a tabular
 * ColumnTransformer, or a text vectorizer reading the string field `textField`.
 */
export function rowsToFeatures(rows: readonly FeatureRow[], pre: Preprocessor, textField: string): FeatureMatrix {
  if (pre.tabular) {
    const ct = pre.tabular;
    const table = new Table(inputColumns(ct).map((c) => readColumn(rows, c)));
    const { features, featureNames } = clientData(() => ct.transform(table));
    try {
      const m = { data: Float32Array.from(features.dataSync()), rows: rows.length, width: featureNames.length };
      return checkFinite(m, featureNames);
    } finally {
      features.dispose();
    }
  }
  if (pre.vectorizer) {
    const texts = rows.map((_, i) => {
      const v = cell(rows, i, textField, "a string");
      if (typeof v !== "string") throw badField(`rows[${i}].${textField}`, `expected a string, got ${describeValue(v)}`);
      return v;
    });
    // scatter the CSR rows straight into the float32 batch: no dense tensor, no second copy
    const csr = pre.vectorizer.transform(texts);
    const width = pre.vectorizer.vocabularySize;
    const data = new Float32Array(rows.length * width);
    for (let r = 0; r < rows.length; r++) {
      for (let k = csr.indptr[r]; k < csr.indptr[r + 1]; k++) data[r * width + csr.indices[k]] = csr.data[k];
    }
    return { data, rows: rows.length, width };
  }
  throw new HttpError(400, "rows_unsupported", "rows: this model has no tabular or text preprocessing; send numeric `inputs` instead", "rows");
}

/** Packs numeric `inputs` rows, checking every row has the model's input width. */
export function inputsToFeatures(inputs: readonly (readonly number[])[], width: number | null): FeatureMatrix {
  const w = width ?? inputs[0].length;
  const data = new Float32Array(inputs.length * w);
  inputs.forEach((row, i) => {
    if (row.length !== w) throw badField(`inputs[${i}]`, `expected ${w} numbers (the model's input width), got ${row.length}`);
    data.set(row, i * w);
  });
  return { data, rows: inputs.length, width: w };
}
