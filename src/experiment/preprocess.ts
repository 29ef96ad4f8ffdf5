// The preprocessing an experiment fits on its training rows only, and that travels with the model:
// TF-IDF (with its text cleaning) for text, scaling + one-hot encoding for tabular features, and the
// label encoder for classes. The same fitted parts turn any later table into model inputs and targets.
import type { Preprocessor } from "../data/spec.js";
import type { Table } from "../data/table.js";
import { TfidfVectorizer } from "../data/text/vectorize.js";
import { ColumnTransformer } from "../data/transforms/column-transformer.js";
import { LabelEncoder, OneHotEncoder } from "../data/transforms/encoders.js";
import { MinMaxScaler, RobustScaler, StandardScaler } from "../data/transforms/scalers.js";
import type { TableTransform } from "../data/transforms/transform.js";
import { tensor, type Tensor } from "../tensor/index.js";
import type { PreparedData } from "./dataset.js";
import type { Task } from "./evaluate.js";
import type { ExperimentSpec } from "./spec.js";

/** A quick run caps the TF-IDF vocabulary at this many terms. */
export const QUICK_MAX_FEATURES = 3000;

/** Fitted preprocessing: the parts saved with the model, and how to apply them to a table. */
export interface FittedPreprocessing {
  /** The fitted parts, for specToJSON. */
  preprocessor: Preprocessor;
  /** The text field a served row carries (text experiments). */
  textField?: string;
  /** The model's input width. */
  width: number;
  /** Model inputs float32 [N, width] for the input columns of `table`. */
  features(table: Table): Tensor;
}

const SCALERS = { standard: StandardScaler, minmax: MinMaxScaler, robust: RobustScaler } as const;

/** Fits the spec's preprocessing on the training table (never on validation or test rows). */
export function fitPreprocessing(spec: ExperimentSpec, data: PreparedData, train: Table, quick = false): FittedPreprocessing {
  const label = data.task === "regression" ? undefined : new LabelEncoder().fit(data.classes);
  const text = spec.data.text;
  if (text !== undefined) {
    const o = spec.preprocessing.tfidf;
    const maxFeatures = quick ? Math.min(o?.maxFeatures ?? QUICK_MAX_FEATURES, QUICK_MAX_FEATURES) : o?.maxFeatures;
    const vectorizer = new TfidfVectorizer({
      clean: spec.preprocessing.clean ?? { lowercase: true }, ngramRange: o?.ngramRange, minDf: o?.minDf, maxDf: o?.maxDf, sublinearTf: o?.sublinearTf, maxFeatures,
    });
    vectorizer.fit(train.column(text).values as string[]);
    return {
      preprocessor: { vectorizer, ...(label && { label }) },
      textField: text,
      width: vectorizer.vocabulary.length,
      features: (t) => vectorizer.transform(t.column(text).values as string[]).toDense(),
    };
  }
  const numeric = data.inputs.filter((n) => train.column(n).type === "number" || train.column(n).type === "date");
  const categorical = data.inputs.filter((n) => !numeric.includes(n));
  const steps: TableTransform[] = [];
  if (numeric.length) steps.push(new SCALERS[spec.preprocessing.scale ?? "standard"](numeric));
  // unseen categories at serving time encode as all zeros rather than failing the request
  if (categorical.length) steps.push(new OneHotEncoder(categorical, { handleUnknown: "ignore" }));
  const ct = new ColumnTransformer(steps).fit(train.select(data.inputs));
  return {
    preprocessor: { tabular: ct, ...(label && { label }) },
    width: ct.featureNames.length,
    features: (t) => ct.transform(t.select(data.inputs)).features,
  };
}

/** Training targets in the form the task's loss wants: [N, 1] floats (binary, regression) or [N] class ids. */
export function targetTensor(task: Task, pre: Preprocessor, table: Table, target: string): Tensor {
  const c = table.column(target);
  if (task === "regression") return tensor(Float32Array.from(c.values as Float64Array), { shape: [table.numRows, 1] });
  const ids = (pre.label as LabelEncoder).transform(c);
  return task === "binary" ? tensor(Float32Array.from(ids), { shape: [ids.length, 1] }) : tensor(ids, { shape: [ids.length], dtype: "int32" });
}

/** Class ids (classification) or target values (regression) of a table, as plain numbers. */
export function targetValues(task: Task, pre: Preprocessor, table: Table, target: string): number[] {
  const c = table.column(target);
  return task === "regression" ? Array.from(c.values as Float64Array) : Array.from((pre.label as LabelEncoder).transform(c));
}
