// config.json and optimizer.json of a model directory: their shapes, and the checks run on load, each
// failure naming the file and the field.
import { ModelDirError } from "./errors.js";
import { findDuplicateKey } from "./json-duplicates.js";
import { isJsonObject, type JsonValue } from "./json-value.js";

/** The `format` tag of a model directory's config.json. */
export const MODEL_FORMAT = "ingot-model";
/** The `format` tag of optimizer.json. */
export const OPTIMIZER_FORMAT = "ingot-optimizer";
/** The newest config version this code reads and the one it writes. */
export const MODEL_FORMAT_VERSION = 1;

/** config.json: what a model is (architecture) and what surrounds it (preprocessing, metadata). */
export interface ModelConfig {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_FORMAT_VERSION;
  /** The model's architecture, as nn modules describe themselves (opaque here). */
  architecture: JsonValue;
  /** Fitted preprocessing that serving must apply before the model (opaque here). */
  preprocessing?: JsonValue;
  /** Free-form facts about the model: metrics, data fingerprint, training run, ... */
  metadata?: { [key: string]: JsonValue };
}

/** optimizer.json: the optimizer's non-tensor state (hyperparameters, step counts, tensor names). */
export interface OptimizerConfig {
  format: typeof OPTIMIZER_FORMAT;
  version: typeof MODEL_FORMAT_VERSION;
  meta: JsonValue;
}

/** Parses JSON text, naming `file` on failure; repeated keys are refused rather than silently dropped. */
export function parseJsonFile(text: string, file: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelDirError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const dup = findDuplicateKey(text);
  if (dup) throw new ModelDirError(`${file}: duplicate key ${JSON.stringify(dup.key)}${dup.parent ? ` in ${JSON.stringify(dup.parent)}` : ""}`);
  return json;
}

function kindOf(x: unknown): string {
  return x === null ? "null" : Array.isArray(x) ? "an array" : typeof x === "object" ? "an object" : `${typeof x} ${JSON.stringify(x)}`;
}

/** Checks the envelope shared by both files: a JSON object with the right format tag, a readable version and no unknown fields. */
function checkEnvelope(json: unknown, file: string, format: string, fields: readonly string[]): Record<string, unknown> {
  if (!isJsonObject(json)) throw new ModelDirError(`${file}: expected a JSON object, got ${kindOf(json)}`);
  for (const k of Object.keys(json)) {
    if (!fields.includes(k)) throw new ModelDirError(`${file}: unknown field ${JSON.stringify(k)} (expected ${fields.join(", ")})`);
  }
  if (!Object.hasOwn(json, "format")) throw new ModelDirError(`${file}: field "format" is missing (expected "${format}")`);
  if (json.format !== format) throw new ModelDirError(`${file}: field "format": expected "${format}", got ${kindOf(json.format)}`);
  if (!Object.hasOwn(json, "version")) throw new ModelDirError(`${file}: field "version" is missing`);
  const v = json.version;
  if (typeof v === "number" && Number.isInteger(v) && v > MODEL_FORMAT_VERSION) {
    throw new ModelDirError(`${file}: field "version": ${v} is newer than this ingot reads (${MODEL_FORMAT_VERSION}); upgrade ingot`);
  }
  if (v !== MODEL_FORMAT_VERSION) throw new ModelDirError(`${file}: field "version": expected ${MODEL_FORMAT_VERSION}, got ${kindOf(v)}`);
  return json;
}

/** Validates a parsed config.json. */
export function checkModelConfig(json: unknown, file: string): ModelConfig {
  const c = checkEnvelope(json, file, MODEL_FORMAT, ["format", "version", "architecture", "preprocessing", "metadata"]);
  if (!Object.hasOwn(c, "architecture")) throw new ModelDirError(`${file}: field "architecture" is missing`);
  if (c.architecture === null) throw new ModelDirError(`${file}: field "architecture": expected a description of the model, got null`);
  if (Object.hasOwn(c, "metadata") && !isJsonObject(c.metadata)) throw new ModelDirError(`${file}: field "metadata": expected an object, got ${kindOf(c.metadata)}`);
  return c as unknown as ModelConfig;
}

/** Validates a parsed optimizer.json. */
export function checkOptimizerConfig(json: unknown, file: string): OptimizerConfig {
  const c = checkEnvelope(json, file, OPTIMIZER_FORMAT, ["format", "version", "meta"]);
  if (!Object.hasOwn(c, "meta")) throw new ModelDirError(`${file}: field "meta" is missing`);
  return c as unknown as OptimizerConfig;
}
