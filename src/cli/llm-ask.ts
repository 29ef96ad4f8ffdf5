// `ingot llm index <model.gguf> <folder> --out <dir>` embeds documents into a vector index, and
// `ingot llm ask <model.gguf> --index <dir> "question"` answers from it with citations.
import type { Command } from "commander";
import type { LlmEngine } from "../llm/engine.js";
import { buildIndex } from "../llm/rag/build.js";
import { RetrievalAssistant } from "../llm/rag/assistant.js";
import { openVectorIndex } from "../llm/rag/vector-index.js";
import { loadLlm } from "../llm/runtime.js";
import { positiveInt } from "./runs.js";

interface CommonFlags {
  ctx?: string;
  cpu?: boolean;
  threads?: string;
  json?: boolean;
}

async function withEngine<T>(model: string, f: CommonFlags, use: (e: LlmEngine) => Promise<T>): Promise<T> {
  const engine = await loadLlm(model, {
    ...(f.ctx !== undefined && { contextSize: positiveInt(f.ctx, "--ctx") }),
    ...(f.threads !== undefined && { threads: positiveInt(f.threads, "--threads") }),
    gpu: f.cpu ? false : "auto",
    sequences: 1,
  });
  try {
    return await use(engine);
  } finally {
    await engine.close();
  }
}

const common = (cmd: Command): Command =>
  cmd.option("--ctx <n>", "context size to allocate").option("--threads <n>", "CPU threads").option("--cpu", "do not offload to a GPU").option("--json", "print JSON");

/** Registers `ingot llm index` and `ingot llm ask` on the `llm` command. */
export function registerLlmAsk(llm: Command): void {
  common(
    llm
      .command("index <model> <paths...>")
      .description("chunk .txt/.md/.html/.pdf documents (files or folders), embed them with a GGUF model and store them in a vector index")
      .requiredOption("--out <dir>", "the index folder (gets index.duckdb)")
      .option("--chunk-size <chars>", "most characters per chunk", "800")
      .option("--overlap <chars>", "characters of lines repeated between chunks", "100"),
  ).action(async (model: string, paths: string[], opts: CommonFlags & { out: string; chunkSize: string; overlap: string }) => {
    const chunkSize = positiveInt(opts.chunkSize, "--chunk-size");
    if (!/^\d+$/.test(opts.overlap)) throw new Error(`--overlap must be a whole number, got "${opts.overlap}"`);
    const r = await withEngine(model, opts, (engine) =>
      buildIndex(engine, paths, opts.out, {
        chunkSize, overlap: Number(opts.overlap),
        onProgress: opts.json || !process.stderr.isTTY ? undefined : (done, total) => process.stderr.write(`\rembedded ${done}/${total} chunks`),
      }));
    if (!opts.json && process.stderr.isTTY) process.stderr.write("\n");
    if (opts.json) return void console.log(JSON.stringify(r));
    console.log(`indexed ${r.chunks} chunks from ${r.files.length} files into ${r.path}`);
    for (const s of r.skipped) console.log(`  skipped ${s.path}: ${s.reason}`);
  });

  common(
    llm
      .command("ask <model> <question>")
      .description("answer a question from a vector index built by `ingot llm index` with the same model, citing files and lines")
      .requiredOption("--index <dir>", "the index folder")
      .option("-k, --top-k <n>", "passages to retrieve", "4")
      .option("--max-tokens <n>", "most tokens in the answer", "256"),
  ).action(async (model: string, question: string, opts: CommonFlags & { index: string; topK: string; maxTokens: string }) => {
    const k = positiveInt(opts.topK, "--top-k");
    const maxTokens = positiveInt(opts.maxTokens, "--max-tokens");
    const index = await openVectorIndex(opts.index);
    try {
      const r = await withEngine(model, opts, (engine) => new RetrievalAssistant({ engine, index }).ask(question, { k, maxTokens }));
      if (opts.json) return void console.log(JSON.stringify(r));
      console.log(r.answer);
      console.log("\nSources:");
      for (const c of r.citations) console.log(`  [${c.n}] ${c.source}:${c.startLine}-${c.endLine} (score ${c.score.toFixed(3)})`);
    } finally {
      index.close();
    }
  });
}
