// The OpenAI-compatible routes end to end: the real `openai` client against a listening createServer
// with openaiPlugin, serving tiny random-weight llama GGUFs (written by the project) that node-llama-cpp
// loads from a temp registry. Expected texts come from the same engine called directly, never hard-coded.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import OpenAI from "openai";
import { writeTinyLlama } from "../../src/llm/gguf/index.js";
import { openaiPlugin } from "../../src/llm/openai/index.js";
import { registerLlm, registryLlmSource, type LlmSource } from "../../src/llm/registry-source.js";
import { openRegistry, type Registry } from "../../src/registry/index.js";
import { openApiKeys } from "../../src/serve/auth/index.js";
import { createServer, registryModelSource } from "../../src/serve/index.js";

const CONTEXT = 256;
let root: string;
let registry: Registry;
let source: LlmSource;
let app: FastifyInstance;
let base: string;
let token: string;
let client: OpenAI;

before(async () => {
  root = await mkdtemp(join(tmpdir(), "ingot-openai-"));
  registry = openRegistry({ root: join(root, "registry") });
  // two versions with different random weights: they answer differently, which shows which one served
  for (const seed of [1, 2]) {
    const file = join(root, `tiny-${seed}.gguf`);
    await writeTinyLlama(file, { seed });
    await registerLlm(registry, "tiny", file, seed === 1 ? { alias: "production" } : {});
  }
  const keys = await openApiKeys(join(root, "api-keys.json"));
  token = (await keys.create({ name: "app", scopes: ["predict"] })).token;
  source = registryLlmSource(registry, { contextSize: CONTEXT });
  app = createServer({ models: registryModelSource(registry), apiKeys: keys, plugins: [openaiPlugin({ models: source })] });
  await app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/openai/v1`;
  client = new OpenAI({ baseURL: base, apiKey: token, maxRetries: 0 });
});

after(async () => {
  await app?.close();
  await source?.close();
  await registry?.close();
  await rm(root, { recursive: true, force: true });
});

/** The engine of `model` called directly, for the expected outputs. */
async function direct<T>(model: string, fn: (engine: Awaited<ReturnType<LlmSource["acquire"]>>["engine"]) => Promise<T>): Promise<T> {
  const lease = await source.acquire(model);
  try {
    return await fn(lease.engine);
  } finally {
    lease.release();
  }
}

const messages = [{ role: "system" as const, content: "You are terse." }, { role: "user" as const, content: "Hello there, how are you today?" }];

test("GET /models lists each LLM by name, alias and version", async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.deepEqual(ids.sort(), ["tiny", "tiny@1", "tiny@2", "tiny@production"]);
  assert.equal((await client.models.retrieve("tiny@2")).id, "tiny@2");
});

test("chat completion: the engine's greedy answer, with usage and the served version", async () => {
  const r = await client.chat.completions.create({ model: "tiny", messages, max_tokens: 12, temperature: 0, seed: 7 });
  const expected = await direct("tiny@1", (e) => e.chat(messages, { maxTokens: 12, temperature: 0, seed: 7 }));
  assert.equal(r.object, "chat.completion");
  assert.equal(r.model, "tiny@1");
  assert.equal(r.choices.length, 1);
  assert.equal(r.choices[0].message.role, "assistant");
  assert.equal(r.choices[0].message.content, expected.text);
  assert.equal(r.choices[0].finish_reason, expected.finishReason === "length" ? "length" : "stop");
  assert.deepEqual(r.usage, { prompt_tokens: expected.promptTokens, completion_tokens: expected.completionTokens, total_tokens: expected.promptTokens + expected.completionTokens });
  assert.ok(r.usage!.completion_tokens > 0 && r.usage!.completion_tokens <= 12);
});

test("completion: the engine's greedy continuation of the prompt", async () => {
  const prompt = "The quick brown fox";
  const r = await client.completions.create({ model: "tiny@1", prompt, max_tokens: 10, temperature: 0, seed: 3 });
  const expected = await direct("tiny@1", (e) => e.complete(prompt, { maxTokens: 10, temperature: 0, seed: 3 }));
  assert.equal(r.object, "text_completion");
  assert.equal(r.choices[0].text, expected.text);
  assert.equal(r.usage!.completion_tokens, expected.completionTokens);
});

test("streamed chat: the chunks concatenate to the non-streamed answer, then usage and [DONE]", async () => {
  const params = { model: "tiny", messages, max_tokens: 24, temperature: 0, seed: 11 };
  const whole = await client.chat.completions.create(params);
  const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
  let text = "";
  let chunks = 0;
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined;
  let role: string | undefined;
  for await (const chunk of stream) {
    assert.equal(chunk.object, "chat.completion.chunk");
    if (chunk.usage) usage = chunk.usage;
    const c = chunk.choices[0];
    if (!c) continue;
    role ??= c.delta.role;
    text += c.delta.content ?? "";
    if (c.delta.content) chunks++;
    if (c.finish_reason) finish = c.finish_reason;
  }
  assert.equal(role, "assistant");
  assert.equal(text, whole.choices[0].message.content);
  assert.ok(chunks > 1, `expected several content chunks, got ${chunks}`);
  assert.equal(finish, whole.choices[0].finish_reason);
  assert.deepEqual(usage, whole.usage);
});

test("streamed completion concatenates to the non-streamed text", async () => {
  const params = { model: "tiny", prompt: "Hello world!", max_tokens: 16, temperature: 0, seed: 5 };
  const whole = await client.completions.create(params);
  let text = "";
  for await (const chunk of await client.completions.create({ ...params, stream: true })) text += chunk.choices[0]?.text ?? "";
  assert.equal(text, whole.choices[0].text);
});

test("embeddings: one vector per input with the model's width, equal to the engine's (base64 and float)", async () => {
  const input = ["the dog sleeps", "hello world"];
  const expected = await direct("tiny", (e) => e.embed(input));
  const dims = await direct("tiny", async (e) => e.info.embeddingLength);
  const viaBase64 = await client.embeddings.create({ model: "tiny", input }); // the client asks for base64 by default
  const viaFloat = await client.embeddings.create({ model: "tiny", input, encoding_format: "float" });
  for (const r of [viaBase64, viaFloat]) {
    assert.equal(r.data.length, 2);
    r.data.forEach((d, i) => {
      assert.equal(d.embedding.length, dims);
      d.embedding.forEach((x, j) => assert.ok(Math.abs(x - expected[i][j]) < 1e-6, `input ${i} dim ${j}: ${x} vs ${expected[i][j]}`));
    });
    assert.ok(r.usage.prompt_tokens > 0);
  }
  await assert.rejects(client.embeddings.create({ model: "tiny", input: "x", dimensions: dims + 1 }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "dimensions");
});

test("response_format json_schema gives JSON that parses and fits the schema", async () => {
  const schema = { type: "object", properties: { name: { enum: ["Ada", "Grace"] }, age: { type: "number" }, ok: { type: "boolean" } }, required: ["name", "age", "ok"], additionalProperties: false };
  const r = await client.chat.completions.create({
    model: "tiny", messages: [{ role: "user", content: "Describe Ada as JSON." }], max_tokens: 120, temperature: 0, seed: 1,
    response_format: { type: "json_schema", json_schema: { name: "person", schema } },
  });
  const value = JSON.parse(r.choices[0].message.content!) as { name: unknown; age: unknown; ok: unknown };
  assert.ok(value.name === "Ada" || value.name === "Grace", String(value.name));
  assert.equal(typeof value.age, "number");
  assert.equal(typeof value.ok, "boolean");
  assert.equal(r.choices[0].finish_reason, "stop");
});

test("an API key is required: 401 in OpenAI's shape, and the client raises AuthenticationError", async () => {
  const bad = new OpenAI({ baseURL: base, apiKey: "ingot_nope_nope", maxRetries: 0 });
  await assert.rejects(bad.chat.completions.create({ model: "tiny", messages }), (e: unknown) => e instanceof OpenAI.AuthenticationError && e.status === 401);
  const res = await fetch(`${base}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "tiny", messages }) });
  assert.equal(res.status, 401);
  const body = (await res.json()) as { error: { type: string; code: string; message: string; param: unknown } };
  assert.equal(body.error.type, "authentication_error");
  assert.equal(body.error.code, "missing_api_key");
  assert.equal(body.error.param, null);
  assert.equal((await fetch(`${base}/models`)).status, 401);
});

test("bad requests are 400s naming the field", async () => {
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ model: "tiny", messages: [{ role: "user", content: 5 }] }, "messages[0].content", /string/],
    [{ model: "tiny", messages: [{ role: "robot", content: "hi" }] }, "messages[0].role", /role/],
    [{ model: "tiny", messages, temperature: 3 }, "temperature", /2/],
    [{ model: "tiny", messages, n: 2 }, "n", /only n=1/],
    [{ model: "tiny", messages, max_tokens: 0 }, "max_tokens", /1/],
    [{ model: "tiny", messages, temprature: 0 }, "temprature", /unrecognized/],
    [{ model: "tiny", messages: [] }, "messages", /at least one/],
    [{ model: "tiny@not valid", messages }, "model", /version number or an alias/],
  ];
  for (const [body, param, message] of cases) {
    await assert.rejects(client.chat.completions.create(body as never), (e: unknown) => {
      assert.ok(e instanceof OpenAI.BadRequestError, `${param}: ${String(e)}`);
      assert.equal(e.param, param);
      assert.equal(e.type, "invalid_request_error");
      assert.match(e.message, message);
      return true;
    });
  }
  await assert.rejects(client.chat.completions.create({ model: "nope", messages }), (e: unknown) => e instanceof OpenAI.NotFoundError && e.param === "model" && e.code === "model_not_found");
  const malformed = await fetch(`${base}/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: "{\"model\": " });
  assert.equal(malformed.status, 400);
  assert.equal(((await malformed.json()) as { error: { type: string } }).error.type, "invalid_request_error");
});

test("a prompt over the context is a 400 saying so, and the server keeps serving", async () => {
  const long = "the quick brown fox jumps over the lazy dog ".repeat(80);
  await assert.rejects(client.completions.create({ model: "tiny", prompt: long, max_tokens: 4 }), (e: unknown) => {
    assert.ok(e instanceof OpenAI.BadRequestError, String(e));
    assert.equal(e.code, "context_length_exceeded");
    assert.equal(e.param, "prompt");
    assert.match(e.message, new RegExp(`context holds ${CONTEXT} tokens`));
    return true;
  });
  await assert.rejects(client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: long }], stream: true }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "messages");
  const ok = await client.completions.create({ model: "tiny", prompt: "Hello", max_tokens: 3, temperature: 0 });
  assert.ok(ok.choices[0].text.length >= 0 && ok.usage!.completion_tokens > 0);
});

test("promoting the alias switches the served version on the next request, rolling back switches it back", async () => {
  const ask = () => client.chat.completions.create({ model: "tiny", messages, max_tokens: 8, temperature: 0, seed: 1 });
  const before = await ask();
  assert.equal(before.model, "tiny@1");
  await registry.setAlias("tiny", "production", 2);
  const promoted = await ask();
  assert.equal(promoted.model, "tiny@2");
  const v2 = await direct("tiny@2", (e) => e.chat(messages, { maxTokens: 8, temperature: 0, seed: 1 }));
  assert.equal(promoted.choices[0].message.content, v2.text);
  await registry.setAlias("tiny", "production", 1);
  assert.equal((await ask()).model, "tiny@1");
});

test("/metrics shows time to first token, tokens, generation time and queue length per model", async () => {
  await client.chat.completions.create({ model: "tiny@1", messages, max_tokens: 5, temperature: 0 });
  const text = await (await fetch(`${base.replace("/openai/v1", "")}/metrics`)).text();
  const count = /ingot_llm_time_to_first_token_seconds_count\{model="tiny",version="1"\} (\d+)/.exec(text);
  assert.ok(count && Number(count[1]) > 0, text);
  assert.match(text, /ingot_llm_time_to_first_token_seconds_bucket\{model="tiny",version="1",le="\+Inf"\} \d+/);
  const tokens = /ingot_llm_generated_tokens_total\{model="tiny",version="1"\} (\d+)/.exec(text);
  assert.ok(tokens && Number(tokens[1]) >= 5);
  assert.match(text, /ingot_llm_generation_seconds_total\{model="tiny",version="1"\} [0-9.e-]+/);
  assert.match(text, /ingot_llm_queue_length\{model="tiny",version="1"\} 0/);
  assert.match(text, /ingot_llm_requests_in_flight\{model="tiny",version="1"\} 0/);
});

/** The generated-tokens counter of tiny@1 on /metrics. */
async function generatedTokens(): Promise<number> {
  const text = await (await fetch(`${base.replace("/openai/v1", "")}/metrics`)).text();
  return Number(/ingot_llm_generated_tokens_total\{model="tiny",version="1"\} (\d+)/.exec(text)?.[1] ?? 0);
}

test("a client that hangs up mid-stream stops the generation", async () => {
  const params = { model: "tiny@1", prompt: "Hello", max_tokens: 200, temperature: 0, seed: 9 };
  const full = await client.completions.create(params);
  assert.equal(full.choices[0].finish_reason, "length", "the reference run must need all 200 tokens");
  const before = await generatedTokens();
  const stream = await client.completions.create({ ...params, stream: true });
  for await (const chunk of stream) {
    if (chunk.choices[0]?.text) {
      stream.controller.abort();
      break;
    }
  }
  // the server sees the socket close, aborts, and records the partial generation
  let after = before;
  for (let i = 0; i < 100 && after === before; i++) {
    await new Promise((r) => setTimeout(r, 20));
    after = await generatedTokens();
  }
  assert.ok(after - before > 0 && after - before < 200, `generated ${after - before} tokens after the hang-up`);
});

test("the server's rate limits cover the OpenAI routes, answered in OpenAI's shape", async () => {
  const limited = createServer({ models: registryModelSource(registry), rateLimit: { max: 2 }, plugins: [openaiPlugin({ models: source })] });
  await limited.listen({ port: 0, host: "127.0.0.1" });
  try {
    const c = new OpenAI({ baseURL: `http://127.0.0.1:${(limited.server.address() as { port: number }).port}/openai/v1`, apiKey: "unused", maxRetries: 0 });
    await c.models.retrieve("tiny@1");
    await c.models.retrieve("tiny@1");
    await assert.rejects(c.models.retrieve("tiny@1"), (e: unknown) => e instanceof OpenAI.RateLimitError && e.type === "rate_limit_error" && /rate limit exceeded/.test(e.message));
  } finally {
    await limited.close();
  }
});
