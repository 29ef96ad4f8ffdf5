// `ingot llm ...`: inspect, chat with, complete, embed with a GGUF model, and write the tiny test model.
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import type { ChatMessage, LlmGenerateOptions, LlmEngine } from "../llm/engine.js";
import { LlmError } from "../llm/errors.js";
import { writeTinyLlama } from "../llm/gguf/tiny-llama.js";
import { loadLlm } from "../llm/runtime.js";

interface LoadFlags {
  ctx?: string;
  cpu?: boolean;
  threads?: string;
}

interface SampleFlags {
  temperature?: string;
  topK?: string;
  topP?: string;
  seed?: string;
  maxTokens?: string;
  stop?: string[];
}

function num(flag: string, v: string | undefined, int: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n))) throw new LlmError("invalid_request", `--${flag}: expected ${int ? "an integer" : "a number"}, got "${v}"`);
  return n;
}

function load(model: string, f: LoadFlags, sequences = 1): Promise<LlmEngine> {
  return loadLlm(model, { contextSize: num("ctx", f.ctx, true), gpu: f.cpu ? false : "auto", sequences, threads: num("threads", f.threads, true) });
}

function sampling(f: SampleFlags): LlmGenerateOptions {
  return {
    temperature: num("temperature", f.temperature, false),
    topK: num("top-k", f.topK, true),
    topP: num("top-p", f.topP, false),
    seed: num("seed", f.seed, true),
    maxTokens: num("max-tokens", f.maxTokens, true),
    stop: f.stop,
  };
}

function withLoadOptions(c: Command): Command {
  return c
    .option("--ctx <n>", "context size in tokens (default: the model's, at most 4096)")
    .option("--threads <n>", "CPU threads")
    .option("--cpu", "do not offload to a GPU");
}

function withSampling(c: Command): Command {
  return c
    .option("--temperature <t>", "0 = greedy (default 0)")
    .option("--top-k <k>", "sample from the k most likely tokens")
    .option("--top-p <p>", "nucleus sampling")
    .option("--seed <n>", "sampling seed")
    .option("--max-tokens <n>", "most tokens to generate")
    .option("--stop <text...>", "stop before any of these strings");
}

async function withEngine<T>(model: string, f: LoadFlags, fn: (e: LlmEngine) => Promise<T>): Promise<T> {
  const e = await load(model, f);
  try {
    return await fn(e);
  } finally {
    await e.close();
  }
}

/** Registers `ingot llm` and its subcommands; returns the `llm` command so others can add theirs. */
export function registerLlm(program: Command): Command {
  const llm = program.command("llm").description("run GGUF language models with llama.cpp");

  withLoadOptions(llm.command("info <model>").description("show a model's architecture, size, quantisation and context"))
    .option("--json", "print JSON")
    .action(async (model: string, f: LoadFlags & { json?: boolean }) => {
      await withEngine(model, f, async (e) => {
        if (f.json) return void console.log(JSON.stringify(e.info));
        for (const [k, v] of Object.entries(e.info)) console.log(`${k.padEnd(20)} ${String(v)}`);
      });
    });

  withSampling(withLoadOptions(llm.command("chat <model>").description("chat with the model's own template (interactive on a terminal)")))
    .option("--system <text>", "system message")
    .option("--prompt <text>", "one user message: answer it and exit")
    .action(async (model: string, f: LoadFlags & SampleFlags & { system?: string; prompt?: string }) => {
      await withEngine(model, f, async (e) => {
        const history: ChatMessage[] = f.system ? [{ role: "system", content: f.system }] : [];
        const ask = async (text: string): Promise<void> => {
          history.push({ role: "user", content: text });
          const r = await e.chat(history, { ...sampling(f), onText: (t) => process.stdout.write(t) });
          process.stdout.write("\n");
          history.push({ role: "assistant", content: r.text });
        };
        if (f.prompt !== undefined) return ask(f.prompt);
        if (!process.stdin.isTTY) return ask(await readStdin());
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        try {
          for (;;) {
            const line = await rl.question("> ").catch(() => null);
            if (line === null || line.trim() === "/exit") break;
            if (line.trim()) await ask(line);
          }
        } finally {
          rl.close();
        }
      });
    });

  withSampling(withLoadOptions(llm.command("complete <model>").description("complete a prompt")))
    .requiredOption("--prompt <text>", "the text to continue")
    .option("--json-schema <file>", "constrain the output to JSON matching this schema")
    .option("--stream", "print tokens as they are generated")
    .action(async (model: string, f: LoadFlags & SampleFlags & { prompt: string; jsonSchema?: string; stream?: boolean }) => {
      let jsonSchema: Record<string, unknown> | undefined;
      if (f.jsonSchema) {
        try {
          jsonSchema = JSON.parse(await readFile(f.jsonSchema, "utf8")) as Record<string, unknown>;
        } catch (err) {
          throw new LlmError("invalid_schema", `--json-schema ${f.jsonSchema}: ${(err as Error).message}`);
        }
      }
      await withEngine(model, f, async (e) => {
        const r = await e.complete(f.prompt, { ...sampling(f), jsonSchema, onText: f.stream ? (t) => process.stdout.write(t) : undefined });
        if (!f.stream) process.stdout.write(r.text);
        process.stdout.write("\n");
        process.stderr.write(`[${r.finishReason}; ${r.promptTokens} prompt + ${r.completionTokens} generated tokens; ${(r.completionTokens / (r.totalMs / 1000)).toFixed(1)} tokens/s]\n`);
      });
    });

  withLoadOptions(llm.command("embed <model>").description("print the embedding of each --text as JSON"))
    .requiredOption("--text <text...>", "texts to embed")
    .action(async (model: string, f: LoadFlags & { text: string[] }) => {
      await withEngine(model, f, async (e) => console.log(JSON.stringify(await e.embed(f.text))));
    });

  llm.command("tiny <path>")
    .description("write a tiny random-weight llama GGUF (for trying the tooling offline)")
    .option("--seed <n>", "weight seed", "1")
    .action(async (path: string, f: { seed: string }) => {
      await writeTinyLlama(path, { seed: num("seed", f.seed, true) });
      console.log(path);
    });
  return llm;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
