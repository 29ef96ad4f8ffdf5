// One loaded model version, ready to serve: the module rebuilt from its config with the saved weights,
// the fitted preprocessing, and how to read its outputs (probabilities, logits or values).
import { noGrad } from "../autograd/grad-mode.js";
import { specFromJSON, type Preprocessor } from "../data/spec.js";
import type { JsonValue } from "../io/json-value.js";
import { loadModelDir } from "../io/model-dir.js";
import type { ModelConfig } from "../io/model-config.js";
import { moduleFromConfig } from "../nn/config.js";
// layer types register themselves when their modules load: a program importing only the server must
// still be able to rebuild any saved architecture
import "../nn/index.js";
import "../models/index.js";
import type { Module } from "../nn/module.js";
import { tensor } from "../tensor/creation.js";
import { scope } from "../tensor/scope.js";
import type { Tensor } from "../tensor/tensor.js";
import type { FeatureMatrix } from "./features.js";
import type { ResolvedModel } from "./model-source.js";

/** What the model's last layer emits, which decides how predictions are read. */
export type OutputKind = "probabilities" | "log-probabilities" | "logits" | "values";

/** One prediction: a class label with its probability (binary) or all class probabilities, or a value. */
export type Prediction =
  | { label: string | number; probability: number }
  | { label: string | number; probabilities: Record<string, number> }
  | { value: number }
  | { values: number[] };

/**
 * What the server needs to know about a model version besides its weights: how to build its input and
 * read its output. With inference workers, only this lives on the main thread; the module is in the workers.
 */
export interface ServedModelInfo {
  name: string;
  version: number;
  preprocessor: Preprocessor;
  output: OutputKind;
  /** Class names (from the saved LabelEncoder), when the model classifies. */
  classes: string[] | null;
  /** The number of input features, when the config or preprocessing tells. */
  inputWidth: number | null;
  /** The row field a text model reads. */
  textField: string;
}

/** A model version loaded for serving in this thread: its info plus the module with its weights. */
export interface ServedModel extends ServedModelInfo {
  module: Module<[Tensor], Tensor>;
}

type Obj = { [key: string]: JsonValue };
const isObj = (v: JsonValue | undefined): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** The first `inFeatures` met walking the architecture depth-first: the width of a Linear-first model. */
function firstInFeatures(config: JsonValue): number | null {
  if (Array.isArray(config)) {
    for (const c of config) {
      const w = firstInFeatures(c);
      if (w !== null) return w;
    }
    return null;
  }
  if (!isObj(config)) return null;
  if (typeof config.inFeatures === "number") return config.inFeatures;
  for (const v of Object.values(config)) {
    const w = firstInFeatures(v);
    if (w !== null) return w;
  }
  return null;
}

function outputKind(architecture: JsonValue, metadata: Obj | undefined, classes: string[] | null): OutputKind {
  const layers = isObj(architecture) && Array.isArray(architecture.layers) ? architecture.layers : [];
  const last = layers.at(-1);
  const type = isObj(last) ? last.type : isObj(architecture) ? architecture.type : undefined;
  if (type === "Sigmoid" || type === "Softmax") return "probabilities";
  if (type === "LogSoftmax") return "log-probabilities";
  // a bare linear head is a classifier's logits when the model says it classifies
  const task = metadata?.task;
  return task === "classification" || task === "binary" || task === "multiclass" || classes !== null ? "logits" : "values";
}

/** Reads a model's serving facts (preprocessing, output kind, classes, input width) from its config. */
export function servedModelInfo(ref: Pick<ResolvedModel, "name" | "version">, config: ModelConfig): ServedModelInfo {
  const preprocessor = config.preprocessing === undefined ? {} : specFromJSON(config.preprocessing);
  const classes = preprocessor.label?.classes ?? null;
  const textField = typeof config.metadata?.textField === "string" ? config.metadata.textField : "text";
  const inputWidth = preprocessor.tabular?.featureNames.length ?? preprocessor.vectorizer?.vocabularySize ?? firstInFeatures(config.architecture);
  return { name: ref.name, version: ref.version, preprocessor, output: outputKind(config.architecture, config.metadata, classes), classes, inputWidth, textField };
}

/** Loads a model directory: module from config + weights, preprocessing from its JSON spec. */
export async function loadServedModel(ref: ResolvedModel): Promise<ServedModel> {
  return (await loadServedModelWithConfig(ref)).model;
}

/** loadServedModel, also returning the config it read (an inference worker sends it to the main thread). */
export async function loadServedModelWithConfig(ref: ResolvedModel): Promise<{ model: ServedModel; config: ModelConfig }> {
  const { config, stateDict } = await loadModelDir(ref.dir);
  try {
    const module = moduleFromConfig<Module<[Tensor], Tensor>>(config.architecture as Parameters<typeof moduleFromConfig>[0]);
    module.loadStateDict(stateDict);
    module.eval();
    try {
      return { model: { ...servedModelInfo(ref, config), module }, config };
    } catch (e) {
      module.dispose(); // a bad preprocessing spec must not leak the weights just loaded
      throw e;
    }
  } finally {
    for (const t of Object.values(stateDict)) t.dispose();
  }
}

/** The forward pass on a feature matrix, under noGrad and a scope so no tensor outlives the call. */
export function forwardRows(model: ServedModel, x: FeatureMatrix): { data: Float32Array; width: number } {
  return noGrad(() =>
    scope(() => {
      const y = model.module.call(tensor(x.data, { shape: [x.rows, x.width] }));
      const width = y.shape.length === 1 ? 1 : y.shape.slice(1).reduce((a, b) => a * b, 1);
      return { data: Float32Array.from(y.dataSync()), width };
    }),
  );
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function softmaxRow(row: readonly number[], kind: OutputKind): number[] {
  if (kind === "probabilities") return row.slice();
  if (kind === "log-probabilities") return row.map(Math.exp);
  const max = Math.max(...row);
  const e = row.map((z) => Math.exp(z - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * One number per prediction, the same for training-time drift references and live traffic: P(class 1)
 * for a binary classifier, the winning probability for a multi-class one, the (first) value otherwise.
 */
export function predictionScore(p: Prediction): number {
  if ("probability" in p) return p.probability;
  if ("probabilities" in p) return p.probabilities[String(p.label)] ?? NaN;
  if ("value" in p) return p.value;
  return p.values[0] ?? NaN;
}

/** Reads model outputs [rows, width] as predictions. */
export function toPredictions(model: ServedModelInfo, out: { data: Float32Array; width: number }): Prediction[] {
  const { data, width } = out;
  const rows = data.length / width;
  const preds: Prediction[] = [];
  const label = (k: number): string | number => model.classes?.[k] ?? k;
  for (let i = 0; i < rows; i++) {
    const row = Array.from(data.subarray(i * width, (i + 1) * width));
    if (model.output === "values") {
      preds.push(width === 1 ? { value: row[0] } : { values: row });
    } else if (width === 1) {
      const p = model.output === "logits" ? sigmoid(row[0]) : model.output === "log-probabilities" ? Math.exp(row[0]) : row[0];
      preds.push({ label: label(p >= 0.5 ? 1 : 0), probability: p });
    } else {
      const probs = softmaxRow(row, model.output);
      let best = 0;
      for (let k = 1; k < width; k++) if (probs[k] > probs[best]) best = k;
      preds.push({ label: label(best), probabilities: Object.fromEntries(probs.map((p, k) => [String(label(k)), p])) });
    }
  }
  return preds;
}
