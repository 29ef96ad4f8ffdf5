// Where a model comes from: a local path, or a Hugging Face reference (hf:owner/repo/file.gguf) or
// URL downloaded once into a cache directory by node-llama-cpp's resumable downloader.
import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { LlmError } from "./errors.js";

/** The default download cache: $INGOT_MODELS_DIR, else ~/.cache/ingot/models. */
export function defaultModelCacheDir(): string {
  return process.env.INGOT_MODELS_DIR ?? join(homedir(), ".cache", "ingot", "models");
}

/** True for references that name a remote file rather than a local path. */
export function isRemoteModelRef(ref: string): boolean {
  return /^(hf:|huggingface:|https?:\/\/)/.test(ref);
}

/** Options of resolveModelRef. */
export interface ResolveModelRefOptions {
  /** Where downloads go (default defaultModelCacheDir()). */
  cacheDir?: string;
  /** Report download progress. */
  onProgress?: (status: { totalSize: number; downloadedSize: number }) => void;
  signal?: AbortSignal;
}

/**
 * The local path of a model: a path is checked to exist; `hf:owner/repo/file.gguf` (or an https URL)
 * is downloaded into the cache directory on first use (resuming a partial download) and its cached
 * path returned afterwards. Throws LlmError `model_not_found` naming what is missing.
 */
export async function resolveModelRef(ref: string, opts: ResolveModelRefOptions = {}): Promise<string> {
  if (typeof ref !== "string" || ref.trim() === "") throw new LlmError("invalid_request", "model: expected a GGUF path or an hf:owner/repo/file.gguf reference");
  if (!isRemoteModelRef(ref)) {
    const path = resolve(ref);
    if (!existsSync(path)) throw new LlmError("model_not_found", `${path}: no such model file`);
    if (!statSync(path).isFile()) throw new LlmError("model_not_found", `${path}: not a file`);
    return path;
  }
  // imported here so that resolving local paths never loads node-llama-cpp's downloader
  const { resolveModelFile } = await import("node-llama-cpp");
  try {
    return await resolveModelFile(ref, {
      directory: opts.cacheDir ?? defaultModelCacheDir(),
      download: "auto",
      cli: false,
      onProgress: opts.onProgress,
      signal: opts.signal,
    });
  } catch (e) {
    throw new LlmError("model_not_found", `${ref}: cannot download: ${(e as Error).message}`, { cause: e });
  }
}
