// A model directory: config.json (architecture, preprocessing, metadata) beside model.safetensors, and
// for training checkpoints optimizer.json + optimizer.safetensors. Saving builds the whole directory
// in a temp sibling and renames it into place, so a reader never sees a half-written model.
import { lstat, mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Tensor } from "../tensor/tensor.js";
import { syncDir, tempSibling, writeAll, writeNewFile } from "./atomic.js";
import { ModelDirError } from "./errors.js";
import { checkJson, type JsonValue } from "./json-value.js";
import {
  checkModelConfig, checkOptimizerConfig, MODEL_FORMAT, MODEL_FORMAT_VERSION, OPTIMIZER_FORMAT, parseJsonFile, type ModelConfig, type OptimizerConfig,
} from "./model-config.js";
import { loadSafetensors, writeSafetensorsTo, type SafetensorsLoadOptions } from "./safetensors.js";

/** The file names inside a model directory. */
export const MODEL_FILES = {
  config: "config.json",
  weights: "model.safetensors",
  optimizerConfig: "optimizer.json",
  optimizerTensors: "optimizer.safetensors",
} as const;

/** An optimizer's state split into JSON (hyperparameters, step counts) and named tensors (moments). */
export interface OptimizerState<M = unknown> {
  meta: M;
  tensors: Record<string, Tensor>;
}

/** What saveModelDir writes. JSON-typed fields are checked at run time to hold plain JSON only. */
export interface ModelDirContents {
  /** The model's architecture, e.g. a module's getConfig(). */
  architecture: unknown;
  /** The model's tensors by name, as Module.stateDict() returns them. */
  stateDict: Record<string, Tensor>;
  /** Fitted preprocessing that must travel with the model. */
  preprocessing?: unknown;
  /** Free-form facts: metrics, data fingerprint, run id, ... */
  metadata?: Record<string, unknown>;
  /** Optimizer state, for checkpoints that resume training. */
  optimizer?: OptimizerState;
}

/** What loadModelDir returns. */
export interface LoadedModelDir {
  config: ModelConfig;
  stateDict: Record<string, Tensor>;
  optimizer?: OptimizerState<JsonValue>;
}

function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
}

/** Checks everything that can be checked before touching the disk. */
function checkContents(c: ModelDirContents): void {
  const op = "saveModelDir";
  if (c === null || typeof c !== "object") throw new TypeError(`${op}: contents must be an object with architecture and stateDict`);
  if (c.architecture === undefined || c.architecture === null) throw new TypeError(`${op}: architecture is missing`);
  checkJson(op, c.architecture, "architecture");
  if (c.preprocessing !== undefined) checkJson(op, c.preprocessing, "preprocessing");
  if (c.metadata !== undefined) {
    if (c.metadata === null || typeof c.metadata !== "object" || Array.isArray(c.metadata)) throw new TypeError(`${op}: metadata must be an object`);
    checkJson(op, c.metadata, "metadata");
  }
  if (c.stateDict === null || typeof c.stateDict !== "object") throw new TypeError(`${op}: stateDict must be an object of name -> Tensor`);
  if (c.optimizer !== undefined) {
    if (c.optimizer === null || typeof c.optimizer !== "object") throw new TypeError(`${op}: optimizer must be {meta, tensors}`);
    checkJson(op, c.optimizer.meta, "optimizer.meta");
    if (c.optimizer.tensors === null || typeof c.optimizer.tensors !== "object") throw new TypeError(`${op}: optimizer.tensors must be an object of name -> Tensor`);
  }
}

/**
 * Whether an existing path may be replaced: only an empty directory or one holding an ingot model, so
 * a mistyped path cannot wipe unrelated files.
 */
async function checkReplaceable(target: string): Promise<boolean> {
  let st;
  try {
    st = await lstat(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
  const refuse = (why: string): never => {
    throw new ModelDirError(`saveModelDir: ${target} ${why}; refusing to replace it`);
  };
  if (st.isSymbolicLink()) refuse("is a symbolic link (save to the directory it points to)");
  if (!st.isDirectory()) refuse("exists and is not a directory");
  if ((await readdir(target)).length === 0) return true;
  let format: unknown;
  try {
    format = (JSON.parse(await readFile(join(target, MODEL_FILES.config), "utf8")) as { format?: unknown }).format;
  } catch {
    format = undefined;
  }
  if (format !== MODEL_FORMAT) refuse(`is a non-empty directory without a ${MODEL_FILES.config} of format "${MODEL_FORMAT}"`);
  return true;
}

/** Moves the finished temp directory to `target`, swapping out an existing one. */
async function moveIntoPlace(tmp: string, target: string, exists: boolean): Promise<void> {
  if (!exists) {
    await rename(tmp, target);
  } else {
    // rename cannot replace a non-empty directory: move the old one aside, the new one in, then drop the old
    const old = tempSibling(target, "old");
    await rename(target, old);
    try {
      await rename(tmp, target);
    } catch (e) {
      await rename(old, target).catch(() => undefined);
      throw e;
    }
    await syncDir(dirname(target));
    await rm(old, { recursive: true, force: true });
  }
  await syncDir(dirname(target));
}

/**
 * Saves a model directory at `dir`: config.json + model.safetensors, plus optimizer.json +
 * optimizer.safetensors when `optimizer` is given. Atomic at the directory level: everything is written
 * to a hidden temp sibling first, and an existing model directory is replaced only once the new one is
 * complete. An existing path that is not an (empty or) model directory is refused, never overwritten.
 */
export async function saveModelDir(dir: string, contents: ModelDirContents): Promise<void> {
  checkContents(contents);
  const target = resolve(dir);
  if (basename(target) === "") throw new ModelDirError(`saveModelDir: ${dir} cannot be a model directory`);
  const exists = await checkReplaceable(target);
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempSibling(target, "tmp");
  await mkdir(tmp);
  try {
    const config: ModelConfig = {
      format: MODEL_FORMAT,
      version: MODEL_FORMAT_VERSION,
      architecture: contents.architecture as JsonValue,
      ...(contents.preprocessing !== undefined && { preprocessing: contents.preprocessing as JsonValue }),
      ...(contents.metadata !== undefined && { metadata: contents.metadata as { [key: string]: JsonValue } }),
    };
    await writeNewFile(join(tmp, MODEL_FILES.config), (fh) => writeAll(fh, jsonBytes(config)));
    await writeNewFile(join(tmp, MODEL_FILES.weights), (fh) => writeSafetensorsTo(fh, contents.stateDict, undefined, "saveModelDir: stateDict"));
    if (contents.optimizer) {
      const { meta, tensors } = contents.optimizer;
      const optConfig: OptimizerConfig = { format: OPTIMIZER_FORMAT, version: MODEL_FORMAT_VERSION, meta: meta as JsonValue };
      await writeNewFile(join(tmp, MODEL_FILES.optimizerConfig), (fh) => writeAll(fh, jsonBytes(optConfig)));
      await writeNewFile(join(tmp, MODEL_FILES.optimizerTensors), (fh) => writeSafetensorsTo(fh, tensors, undefined, "saveModelDir: optimizer.tensors"));
    }
    await syncDir(tmp);
    await moveIntoPlace(tmp, target, exists);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function readText(file: string, what: string): Promise<string | null> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new ModelDirError(`${file}: cannot read ${what}: ${(e as Error).message}`, { cause: e });
  }
}

async function fileExists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Loads a model directory saved by saveModelDir: validates config.json (format, version, fields) and
 * optimizer.json when present, then loads the safetensors files (each validated in full before any
 * tensor is read). Errors name the file and the field or tensor at fault.
 */
export async function loadModelDir(dir: string, opts: SafetensorsLoadOptions = {}): Promise<LoadedModelDir> {
  const st = await stat(dir).catch(() => null);
  if (!st) throw new ModelDirError(`${dir}: no such model directory`);
  if (!st.isDirectory()) throw new ModelDirError(`${dir}: not a directory`);

  const configFile = join(dir, MODEL_FILES.config);
  const configText = await readText(configFile, "the model config");
  if (configText === null) throw new ModelDirError(`${dir}: ${MODEL_FILES.config} is missing`);
  const config = checkModelConfig(parseJsonFile(configText, configFile), configFile);

  const weightsFile = join(dir, MODEL_FILES.weights);
  if (!(await fileExists(weightsFile))) throw new ModelDirError(`${dir}: ${MODEL_FILES.weights} is missing`);

  const optConfigFile = join(dir, MODEL_FILES.optimizerConfig);
  const optTensorsFile = join(dir, MODEL_FILES.optimizerTensors);
  const optText = await readText(optConfigFile, "the optimizer config");
  const hasOptTensors = await fileExists(optTensorsFile);
  if ((optText === null) !== !hasOptTensors) {
    const [have, lack] = optText === null ? [MODEL_FILES.optimizerTensors, MODEL_FILES.optimizerConfig] : [MODEL_FILES.optimizerConfig, MODEL_FILES.optimizerTensors];
    throw new ModelDirError(`${dir}: ${have} is present but ${lack} is missing`);
  }
  const optConfig = optText === null ? null : checkOptimizerConfig(parseJsonFile(optText, optConfigFile), optConfigFile);

  const { tensors: stateDict } = await loadSafetensors(weightsFile, opts);
  if (!optConfig) return { config, stateDict };
  try {
    const { tensors } = await loadSafetensors(optTensorsFile, opts);
    return { config, stateDict, optimizer: { meta: optConfig.meta, tensors } };
  } catch (e) {
    for (const t of Object.values(stateDict)) t.dispose();
    throw e;
  }
}
