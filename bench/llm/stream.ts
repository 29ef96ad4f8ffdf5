/**
 * Concurrent streaming load on the OpenAI-compatible routes: a real createServer on a real port with
 * openaiPlugin over a registry holding the model, clients streaming chat completions over HTTP at
 * concurrency 1, 4 and 8. Reports time to first token (p50/p99, from sending the request to the first
 * content chunk) and aggregate generated tokens/s (all completion tokens / wall time of the level).
 *
 *   node --import tsx bench/llm/stream.ts [--gguf model.gguf ...] [--requests 16] [--max-tokens 64] [--sequences 8]
 *
 * Without --gguf it writes the tiny random-weight llama (src/llm/gguf) and benches that; pass the
 * exported GPT (or any GGUF) with --gguf, several times to bench several models.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { writeTinyLlama } from "../../src/llm/gguf/index.js";
import { openaiPlugin } from "../../src/llm/openai/index.js";
import { registerLlm, registryLlmSource } from "../../src/llm/registry-source.js";
import { openRegistry } from "../../src/registry/index.js";
import { createServer, registryModelSource } from "../../src/serve/index.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const ggufs = process.argv.flatMap((a, i) => (a === "--gguf" && process.argv[i + 1] ? [process.argv[i + 1]] : []));
const requestsPerLevel = Number(arg("--requests", "16"));
const maxTokens = Number(arg("--max-tokens", "64"));
const sequences = Number(arg("--sequences", "8"));

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** One streamed request: ms to the first content chunk, and the completion tokens from the usage chunk. */
async function streamOnce(url: string, model: string, i: number): Promise<{ ttftMs: number; tokens: number }> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, max_tokens: maxTokens, temperature: 0.8, seed: i, messages: [{ role: "user", content: `Tell me a story number ${i} about a fox.` }] }),
  });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  let ttft = -1;
  let tokens = 0;
  let buf = "";
  const decoder = new TextDecoder();
  for await (const part of res.body) {
    buf += decoder.decode(part as Uint8Array, { stream: true });
    let cut: number;
    while ((cut = buf.indexOf("\n\n")) >= 0) {
      const line = buf.slice(0, cut).replace(/^data: /, "");
      buf = buf.slice(cut + 2);
      if (line === "[DONE]") continue;
      const ev = JSON.parse(line) as { choices: Array<{ delta: { content?: string } }>; usage?: { completion_tokens: number }; error?: { message: string } };
      if (ev.error) throw new Error(ev.error.message);
      if (ttft < 0 && ev.choices[0]?.delta.content) ttft = performance.now() - t0;
      if (ev.usage) tokens = ev.usage.completion_tokens;
    }
  }
  return { ttftMs: ttft < 0 ? performance.now() - t0 : ttft, tokens };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ingot-llm-bench-"));
  try {
    const registry = openRegistry({ root: join(dir, "registry") });
    const models: Array<{ id: string; label: string }> = [];
    if (!ggufs.length) {
      const tiny = join(dir, "tiny.gguf");
      await writeTinyLlama(tiny, { seed: 1 });
      ggufs.push(tiny);
    }
    for (const [i, g] of ggufs.entries()) {
      const name = `bench${i}`;
      await registerLlm(registry, name, g, { alias: "production" });
      models.push({ id: name, label: basename(g) });
    }
    const source = registryLlmSource(registry, { sequences }, { maxEngines: models.length });
    const app = createServer({ models: registryModelSource(registry), plugins: [openaiPlugin({ models: source })] });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const port = (app.server.address() as { port: number }).port;
    const url = `http://127.0.0.1:${port}/openai/v1/chat/completions`;
    const rows: string[][] = [["model", "concurrency", "requests", "ttft p50 ms", "ttft p99 ms", "tokens", "tokens/s"]];
    for (const m of models) {
      await streamOnce(url, m.id, 0); // warm-up: loads the engine
      for (const c of [1, 4, 8]) {
        const ttfts: number[] = [];
        let tokens = 0;
        let next = 0;
        const t0 = performance.now();
        await Promise.all(Array.from({ length: c }, async () => {
          while (next < requestsPerLevel) {
            const r = await streamOnce(url, m.id, next++);
            ttfts.push(r.ttftMs);
            tokens += r.tokens;
          }
        }));
        const secs = (performance.now() - t0) / 1000;
        rows.push([m.label, String(c), String(ttfts.length), quantile(ttfts, 0.5).toFixed(1), quantile(ttfts, 0.99).toFixed(1), String(tokens), (tokens / secs).toFixed(1)]);
      }
    }
    const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
    for (const r of rows) console.log(r.map((c, j) => c.padStart(widths[j])).join("  "));
    await app.close();
    await source.close();
    await registry.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
