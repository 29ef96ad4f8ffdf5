// The retrieval assistant end to end with the real tiny llama (random weights, so answers are gibberish:
// the tests check retrieval, citations and plumbing, not answer quality): index a folder with the
// model's embeddings, retrieve, ask, the HTTP route on a listening createServer, and the CLI.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { registerLlmAsk } from "../../src/cli/llm-ask.js";
import type { LlmEngine } from "../../src/llm/engine.js";
import { writeTinyLlama } from "../../src/llm/gguf/index.js";
import {
  buildIndex, citedNumbers, DEFAULT_ASSISTANT_SYSTEM, formatContext, TEMPLATE_TOKENS, documentFormat, documentLines, ingestDocuments, openVectorIndex, ragPlugin, RetrievalAssistant, type VectorIndex,
} from "../../src/llm/rag/index.js";
import { loadLlm } from "../../src/llm/runtime.js";
import { openRegistry, type Registry } from "../../src/registry/index.js";
import { openApiKeys } from "../../src/serve/auth/index.js";
import { createServer, registryModelSource } from "../../src/serve/index.js";
import { runLlmCli } from "./capture-cli.js";

const CHUNK = { chunkSize: 160, overlap: 40 };
let root: string;
let docs: string;
let model: string;
let engine: LlmEngine;
let index: VectorIndex;
let assistant: RetrievalAssistant;
let registry: Registry;
let app: FastifyInstance;
let base: string;
let token: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), "ingot-rag-"));
  docs = join(root, "docs");
  await mkdir(join(docs, "guide"), { recursive: true });
  await writeFile(join(docs, "penguins.txt"), [
    "Penguins are flightless birds of the southern hemisphere.",
    "Emperor penguins are the tallest and heaviest of all penguins.",
    "",
    "They breed during the Antarctic winter, huddling against the cold.",
    "Males keep the egg warm on their feet for about two months.",
    "Little penguins, the smallest species, live in Australia and New Zealand.",
  ].join("\n"));
  await writeFile(join(docs, "guide", "owls.md"), "# Owls\n\nOwls hunt mostly at **night** and can turn their heads very far.\n\n- Barn owls eat mice\n- Snowy owls live in the Arctic tundra\n");
  await writeFile(join(docs, "bees.html"), "<html><head><script>var hidden = 'x';</script></head><body>\n<h1>Bees</h1>\n<p>Honey bees live in colonies with one queen.</p>\n<p>Worker bees collect nectar &amp; pollen from flowers.</p>\n</body></html>\n");
  model = join(root, "tiny.gguf");
  await writeTinyLlama(model, { seed: 5, context: 2048 });
  engine = await loadLlm(model, { gpu: false, contextSize: 1024, threads: 1, sequences: 2, embedding: true });
  await buildIndex(engine, docs, join(root, "index"), CHUNK);
  index = await openVectorIndex(join(root, "index"));
  assistant = new RetrievalAssistant({ engine, index });

  registry = openRegistry({ root: join(root, "registry") });
  const keys = await openApiKeys(join(root, "api-keys.json"));
  token = (await keys.create({ name: "app", scopes: ["predict"] })).token;
  app = createServer({ models: registryModelSource(registry), apiKeys: keys, plugins: [ragPlugin({ engine, index, maxTokens: 24 })] });
  await app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

after(async () => {
  await app?.close();
  index?.close();
  await engine?.close();
  await registry?.close();
  await rm(root, { recursive: true, force: true });
});

/** Whether a citation's lines of its file, cleaned the way ingestion cleans them, contain `text`. */
async function citedLinesContain(c: { source: string; startLine: number; endLine: number }, text: string): Promise<boolean> {
  const lines = documentLines(await readFile(c.source, "utf8"), documentFormat(c.source) as "text" | "markdown" | "html");
  assert.ok(c.startLine >= 1 && c.endLine <= lines.length && c.startLine <= c.endLine, `${c.source}:${c.startLine}-${c.endLine} exists`);
  return lines.slice(c.startLine - 1, c.endLine).join("\n").includes(text);
}

test("the index holds every chunk with the model's embeddings; a chunk's own text retrieves it first", async () => {
  const { chunks } = await ingestDocuments(docs, CHUNK);
  assert.equal(await index.size(), chunks.length);
  assert.equal(index.dim, engine.info.embeddingLength);
  assert.ok(chunks.length >= 5);
  for (const c of chunks) {
    const hits = await assistant.retrieve(c.text, 3);
    assert.equal(hits.length, 3);
    assert.deepEqual({ ...hits[0], score: 0 }, { ...c, score: 0 }, `query ${JSON.stringify(c.text.slice(0, 30))}`);
    assert.ok(hits[0].score > 0.9999, `self-similarity ${hits[0].score}`);
    assert.ok(hits[0].score >= hits[1].score && hits[1].score >= hits[2].score);
  }
});

test("ask() answers with citations of the retrieved passages, pointing at real files and lines", async () => {
  const question = "When do emperor penguins breed?";
  const retrieved = await assistant.retrieve(question, 3);
  const r = await assistant.ask(question, { k: 3, maxTokens: 24 });
  assert.equal(typeof r.answer, "string");
  const cited = citedNumbers(r.answer, retrieved.length);
  const expected = (cited.length ? cited : [1, 2, 3]).map((n) => ({ n, ...retrieved[n - 1] }));
  assert.deepEqual(r.citations, expected.map(({ n, source, startLine, endLine, score }) => ({ n, source, startLine, endLine, score })));
  for (const [i, c] of r.citations.entries()) assert.ok(await citedLinesContain(c, expected[i].text), `citation ${i} names the lines its passage came from`);
  // deterministic: greedy decoding over the same passages
  assert.deepEqual(await assistant.ask(question, { k: 3, maxTokens: 24 }), r);
  // little room left for passages: the least similar are dropped rather than overflowing the context
  const four = await assistant.retrieve(question, 4);
  const oneFits = (await engine.tokenize(DEFAULT_ASSISTANT_SYSTEM + formatContext(question, four.slice(0, 1)))).length;
  const tight = await assistant.ask(question, { k: 4, maxTokens: engine.info.contextLength - TEMPLATE_TOKENS - oneFits });
  assert.equal(tight.citations.length, 1);
  assert.deepEqual(tight.citations[0], { n: 1, source: four[0].source, startLine: four[0].startLine, endLine: four[0].endLine, score: four[0].score });
  await assert.rejects(assistant.ask(question, { k: 4, maxTokens: engine.info.contextLength - TEMPLATE_TOKENS - oneFits + 1 }), /question: with one passage it does not fit the model's 1024-token context/);
  await assert.rejects(assistant.ask("   "), /question: must not be empty/);
});

test("citedNumbers reads [n] markers in order of first mention, within range", () => {
  assert.deepEqual(citedNumbers("Yes [2], see also [1][2] and [7].", 3), [2, 1]);
  assert.deepEqual(citedNumbers("no citations", 3), []);
});

test("POST /v1/assistant/ask answers like ask(), needs a predict key and validates its body", async () => {
  const post = (body: unknown, auth = true): Promise<Response> =>
    fetch(`${base}/v1/assistant/ask`, { method: "POST", headers: { "content-type": "application/json", ...(auth && { authorization: `Bearer ${token}` }) }, body: JSON.stringify(body) });
  const ok = await post({ question: "Where do snowy owls live?", k: 2 });
  assert.equal(ok.status, 200);
  const body = (await ok.json()) as { answer: string; citations: { source: string; startLine: number; endLine: number }[] };
  assert.deepEqual(body, await assistant.ask("Where do snowy owls live?", { k: 2, maxTokens: 24 }));
  assert.ok(body.citations.length >= 1 && body.citations.length <= 2);
  // concurrent requests share the engine and the index connection
  const questions = ["Where do snowy owls live?", "What do bees make?", "How tall are emperor penguins?", "Do owls hunt at night?"];
  const answers = await Promise.all(questions.map(async (q) => {
    const res = await post({ question: q, k: 3 });
    assert.equal(res.status, 200, q);
    return res.json();
  }));
  for (const [i, q] of questions.entries()) assert.deepEqual(answers[i], await assistant.ask(q, { k: 3, maxTokens: 24 }), q);

  assert.equal((await post({ question: "x" }, false)).status, 401);
  const cases: [unknown, RegExp][] = [
    [{}, /^question: /],
    [{ question: "" }, /^question: must not be empty/],
    [{ question: "hi", k: 0 }, /^k: /],
    [{ question: "hi", k: 2.5 }, /^k: expected an integer/],
    [{ question: "hi", k: 99 }, /^k: /],
    [{ question: "hi", extra: 1 }, /extra/],
    [[1, 2], /^body: expected a JSON object/],
  ];
  for (const [input, message] of cases) {
    const res = await post(input);
    assert.equal(res.status, 400, JSON.stringify(input));
    const err = (await res.json()) as { error: { message: string } } | { message: string };
    const text = "error" in err ? err.error.message : err.message;
    assert.match(text, message, JSON.stringify(input));
  }
});

test("ingot llm index and ingot llm ask build an index and answer with sources", async () => {
  const cli = (args: string[]): Promise<string> => runLlmCli(registerLlmAsk, args);
  const out = join(root, "cli-index");
  const flags = ["--ctx", "1024", "--threads", "1", "--cpu"];
  const built = JSON.parse(await cli(["llm", "index", model, docs, "--out", out, "--chunk-size", "160", "--overlap", "40", "--json", ...flags])) as { chunks: number; files: string[] };
  assert.equal(built.chunks, await index.size());
  assert.equal(built.files.length, 3);
  const question = "What do worker bees collect?";
  const answered = JSON.parse(await cli(["llm", "ask", model, question, "--index", out, "-k", "2", "--max-tokens", "24", "--json", ...flags])) as { citations: unknown[] };
  assert.deepEqual(answered.citations, (await assistant.ask(question, { k: 2, maxTokens: 24 })).citations);
  const text = await cli(["llm", "ask", model, question, "--index", out, "-k", "2", "--max-tokens", "8", ...flags]);
  assert.match(text, /\n\nSources:\n {2}\[\d\] .*\/docs\/.*:\d+-\d+ \(score -?\d\.\d{3}\)/);
  await assert.rejects(cli(["llm", "ask", model, question, "--index", join(root, "nope"), ...flags]), /no vector index/);
});
