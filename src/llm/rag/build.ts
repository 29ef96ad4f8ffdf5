// Builds a vector index from documents with an LLM's embeddings. The index is written beside its final
// place and renamed over `<dir>/index.duckdb` when complete, so a failed build never leaves half an index.
import { mkdir, rename, rm } from "node:fs/promises";
import { tempSibling } from "../../io/atomic.js";
import { join } from "node:path";
import type { LlmEngine } from "../engine.js";
import { LlmError } from "../errors.js";
import type { ChunkOptions, DocumentChunk } from "./chunk.js";
import { ingestDocuments, type DocumentIngestResult } from "./ingest.js";
import { createVectorIndex, INDEX_FILE } from "./vector-index.js";

/** Options of buildIndex. */
export interface BuildIndexOptions extends ChunkOptions {
  /** Chunks embedded per engine call (default 16). */
  batchSize?: number;
  /** Called after each batch with chunks embedded so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** What buildIndex wrote. */
export interface BuildIndexResult {
  /** The index file. */
  path: string;
  files: string[];
  chunks: number;
  skipped: DocumentIngestResult["skipped"];
}

async function embedBatch(engine: LlmEngine, batch: readonly DocumentChunk[]): Promise<number[][]> {
  try {
    return await engine.embed(batch.map((c) => c.text));
  } catch (e) {
    const i = e instanceof LlmError && e.code === "context_length_exceeded" ? /texts\[(\d+)\]/.exec(e.message) : null;
    if (!i) throw e;
    const c = batch[Number(i[1])];
    throw new LlmError("context_length_exceeded", `${c.source}:${c.startLine}-${c.endLine}: ${e instanceof Error ? e.message.replace(/^texts\[\d+\] /, "the chunk ") : ""}; use a smaller chunk size`);
  }
}

/** Reads and chunks `input` (files or folders), embeds every chunk with `engine`, and writes `<dir>/index.duckdb`, replacing any index there. */
export async function buildIndex(engine: LlmEngine, input: string | readonly string[], dir: string, opts: BuildIndexOptions = {}): Promise<BuildIndexResult> {
  const batchSize = opts.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const ingested = await ingestDocuments(input, opts);
  if (ingested.chunks.length === 0) throw new Error(`${typeof input === "string" ? input : input.join(", ")}: no text to index (read ${ingested.files.length} files)`);
  await mkdir(dir, { recursive: true });
  const tmp = tempSibling(join(dir, INDEX_FILE), "build");
  try {
    const index = await createVectorIndex(tmp, { dim: engine.info.embeddingLength, model: engine.info.name });
    try {
      for (let at = 0; at < ingested.chunks.length; at += batchSize) {
        const batch = ingested.chunks.slice(at, at + batchSize);
        await index.add(batch, await embedBatch(engine, batch));
        opts.onProgress?.(at + batch.length, ingested.chunks.length);
      }
    } finally {
      index.close();
    }
    await rename(join(tmp, INDEX_FILE), join(dir, INDEX_FILE));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { path: join(dir, INDEX_FILE), files: ingested.files, chunks: ingested.chunks.length, skipped: ingested.skipped };
}
