// The runtime over node-llama-cpp, against a real tiny llama GGUF written by the project (random weights,
// so outputs are gibberish: the tests check the plumbing, determinism and limits, not quality). One
// engine is shared by the file to stay fast.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { LlmError, loadLlm, readGgufHeader, writeGguf, writeTinyLlama, type LlmEngine } from "../../src/llm/index.js";
import type { BpeTokenizer } from "../../src/data/text/bpe.js";

const dir = mkdtempSync(join(tmpdir(), "ingot-llm-"));
const modelPath = join(dir, "tiny.gguf");
let engine: LlmEngine;
let tok: BpeTokenizer;
let loadMs = 0;

before(async () => {
  tok = await writeTinyLlama(modelPath, { seed: 3, context: 2048 });
  const t0 = performance.now();
  engine = await loadLlm(modelPath, { gpu: false, sequences: 2, contextSize: 1024, threads: 1 });
  loadMs = performance.now() - t0;
});
after(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("loads the tiny llama and reports its info", () => {
  const i = engine.info;
  assert.equal(i.architecture, "llama");
  assert.equal(i.name, "ingot-tiny-llama");
  assert.equal(i.quantization, "F32");
  assert.equal(i.trainContextLength, 2048);
  assert.equal(i.contextLength, 1024);
  assert.equal(i.embeddingLength, 64);
  assert.equal(i.vocabularySize, tok.vocabSize);
  assert.equal(i.gpu, false);
  const h = readGgufHeader(modelPath);
  assert.equal(i.parameters, h.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0));
  console.log(`# load ${loadMs.toFixed(0)} ms (includes llama.cpp backend start)`);
});

test("tokenize matches Ingot's BPE and round-trips through detokenize", async () => {
  for (const text of ["Hello world! The quick brown fox.", "  spaces\tand\nlines ", "ünïcödé ✓ 日本", "{\"a\": [1, 2]}"]) {
    const ids = await engine.tokenize(text);
    assert.deepEqual(ids, tok.encode(text), text);
    assert.equal(await engine.detokenize(ids), text);
  }
  await assert.rejects(engine.detokenize([1, 99999]), /tokens\[1\]: 99999 is not a token id/);
});

test("greedy completion is deterministic and streaming pieces concatenate to the text", async () => {
  const pieces: string[] = [];
  const a = await engine.complete("The quick brown", { maxTokens: 40, onText: (t) => pieces.push(t) });
  const b = await engine.complete("The quick brown", { maxTokens: 40 });
  assert.equal(a.text, b.text);
  assert.ok(a.text.length > 0);
  assert.ok(pieces.length > 1, "streamed in several pieces");
  assert.equal(pieces.join(""), a.text);
  // the random model may emit its end-of-sequence token before the limit
  if (a.finishReason === "length") assert.equal(a.completionTokens, 40);
  else assert.ok(a.finishReason === "stop" && a.completionTokens < 40);
  assert.equal(a.promptTokens, tok.encode("The quick brown").length);
  assert.ok(a.timeToFirstTokenMs <= a.totalMs);
  console.log(`# tiny model: ${(a.completionTokens / (a.totalMs / 1000)).toFixed(0)} tokens/s, first token ${a.timeToFirstTokenMs.toFixed(1)} ms`);
  // sampling with a seed is reproducible too, and differs from greedy for some seed
  const s1 = await engine.complete("The quick brown", { maxTokens: 20, temperature: 1.5, seed: 7 });
  const s2 = await engine.complete("The quick brown", { maxTokens: 20, temperature: 1.5, seed: 7 });
  assert.equal(s1.text, s2.text);
});

test("stop strings end generation before the stop text", async () => {
  const full = await engine.complete("Hello there", { maxTokens: 60 });
  const stop = full.text.slice(20, 23);
  assert.equal(stop.length, 3);
  const cut = await engine.complete("Hello there", { maxTokens: 60, stop: [stop] });
  assert.equal(cut.finishReason, "stop");
  assert.equal(cut.text, full.text.slice(0, full.text.indexOf(stop)));
});

test("chat uses the model's ChatML template", async () => {
  const r = await engine.chat([{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }], { maxTokens: 10 });
  const rendered = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
  // control tokens are single ids; the rest is plain BPE
  const expected = rendered.split(/(<\|im_start\|>|<\|im_end\|>)/).filter(Boolean).flatMap((p) => (p.startsWith("<|") ? [tok.specialId(p)] : tok.encode(p)));
  assert.equal(r.promptTokens, 1 + expected.length, "node-llama-cpp's ChatML wrapper puts BOS first");
  assert.ok(r.completionTokens <= 10 && r.completionTokens > 0);
});

test("JSON-schema-constrained output parses and matches the schema", async () => {
  const schema = {
    type: "object",
    properties: { color: { enum: ["red", "green", "blue"] }, ok: { type: "boolean" }, level: { enum: [1, 2, 3] } },
  };
  for (const run of [engine.chat([{ role: "user", content: "a color" }], { maxTokens: 120, jsonSchema: schema }), engine.complete("JSON:", { maxTokens: 120, jsonSchema: schema })]) {
    const r = await run;
    assert.equal(r.finishReason, "stop", r.text);
    const v = JSON.parse(r.text) as { color: string; ok: boolean; level: number };
    assert.ok(["red", "green", "blue"].includes(v.color));
    assert.equal(typeof v.ok, "boolean");
    assert.ok([1, 2, 3].includes(v.level));
    assert.deepEqual(Object.keys(v).sort(), ["color", "level", "ok"]);
  }
  await assert.rejects(engine.complete("x", { jsonSchema: { type: "object", properties: { a: { type: "no-such-type" } } } }), (e: Error) => e instanceof LlmError && e.code === "invalid_schema" && e.message === "jsonSchema.properties.a.type: \"no-such-type\" is not a JSON schema type");
  await assert.rejects(engine.chat([{ role: "user", content: "x" }], { jsonSchema: { type: "object", properties: { a: { enum: [] } } } }), /jsonSchema\.properties\.a\.enum: an empty enum cannot be satisfied/);
});

test("tool calls: a forced call returns a ToolCall; tool results render into the history", async () => {
  const tools = [
    { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { enum: ["Paris", "Oslo"] } } } },
    { name: "get_time", parameters: { type: "object", properties: { zone: { enum: ["UTC", "CET"] } } } },
  ];
  const r = await engine.chat([{ role: "user", content: "Weather in Paris?" }], { tools, toolChoice: "required", maxTokens: 120 });
  assert.equal(r.finishReason, "tool_calls", r.text);
  assert.equal(r.toolCalls.length, 1);
  const call = r.toolCalls[0];
  assert.ok(["get_weather", "get_time"].includes(call.name));
  const args = JSON.parse(call.arguments) as Record<string, string>;
  assert.ok(call.name === "get_weather" ? ["Paris", "Oslo"].includes(args.city) : ["UTC", "CET"].includes(args.zone));
  assert.match(call.id, /^call_[0-9a-f]{24}$/);
  const named = await engine.chat([{ role: "user", content: "time?" }], { tools, toolChoice: { name: "get_time" }, maxTokens: 120 });
  assert.equal(named.toolCalls[0]?.name, "get_time");
  // auto: node-llama-cpp's function calling is offered; the random model answers in text, so only
  // the rendering of earlier calls and results is checked (they add to the prompt)
  const base = [{ role: "user" as const, content: "Weather in Paris?" }];
  const withResult = [
    ...base,
    { role: "assistant" as const, content: "", toolCalls: [{ id: "c1", name: "get_weather", arguments: "{\"city\":\"Paris\"}" }] },
    { role: "tool" as const, content: "sunny, 21 C", toolCallId: "c1" },
  ];
  const plain = await engine.chat(base, { tools, maxTokens: 4 });
  const after = await engine.chat(withResult, { tools, maxTokens: 4 });
  assert.ok(plain.promptTokens > 20, "the tool definitions are in the prompt");
  assert.ok(after.promptTokens >= plain.promptTokens + tok.encode("sunny, 21 C").length);
  await assert.rejects(engine.chat([...base, { role: "tool", content: "x", toolCallId: "nope" }]), /toolCallId "nope" is unknown/);
  await assert.rejects(engine.chat(base, { tools, toolChoice: { name: "nope" } }), /not among the tools/);
});

test("embeddings: one vector per text, of the embedding length, deterministic", async () => {
  const a = await engine.embed(["hello world", "the lazy dog"]);
  assert.equal(a.length, 2);
  for (const v of a) {
    assert.equal(v.length, 64);
    assert.ok(v.every(Number.isFinite));
  }
  assert.notDeepEqual(a[0], a[1]);
  assert.deepEqual(await engine.embed(["hello world"]), [a[0]]);
});

test("concurrency: 3 requests on 2 sequences all complete; the third queues", async () => {
  const solo = await engine.complete("The dog", { maxTokens: 30 });
  let seen = 0;
  const poll = setInterval(() => (seen = Math.max(seen, engine.queueLength())), 1);
  const runs = [engine.complete("The dog", { maxTokens: 30 }), engine.complete("Hello", { maxTokens: 30 }), engine.complete("The dog", { maxTokens: 30 })];
  const out = await Promise.all(runs);
  clearInterval(poll);
  assert.equal(seen, 1, "the third request waited for a sequence");
  assert.equal(engine.queueLength(), 0);
  assert.equal(out[0].text, solo.text, "a batched sequence gives the same greedy text");
  assert.equal(out[2].text, solo.text);
  for (const r of out) assert.ok(r.completionTokens > 0 && r.completionTokens <= 30);
});

test("a prompt longer than the context fails clearly", async () => {
  const long = "hello ".repeat(1100);
  const n = (await engine.tokenize(long)).length;
  await assert.rejects(engine.complete(long), (e: Error) => e instanceof LlmError && e.code === "context_length_exceeded" && e.message === `prompt has ${n} tokens; the context holds 1024`);
  await assert.rejects(engine.chat([{ role: "user", content: long }]), /prompt has \d+ tokens; the context holds 1024/);
});

test("missing, truncated, hostile and unknown-architecture files fail clearly and the process survives", async () => {
  await assert.rejects(loadLlm(join(dir, "nope.gguf"), { gpu: false }), /nope\.gguf: no such model file/);
  const bytes = readFileSync(modelPath);
  const cut = join(dir, "cut.gguf");
  writeFileSync(cut, bytes.subarray(0, bytes.length - 1000));
  await assert.rejects(loadLlm(cut, { gpu: false }), (e: Error) => e instanceof LlmError && e.code === "invalid_model" && /cut\.gguf at byte \d+: truncated: tensor output\.weight/.test(e.message));
  const hostile = Buffer.from(bytes);
  hostile.writeBigUInt64LE(2n ** 40n, 16);
  writeFileSync(join(dir, "hostile.gguf"), hostile);
  await assert.rejects(loadLlm(join(dir, "hostile.gguf"), { gpu: false }), /hostile\.gguf at byte 16: truncated or hostile/);
  // a valid file whose architecture llama.cpp does not know
  const h = readGgufHeader(modelPath);
  await writeGguf(join(dir, "alien.gguf"), { metadata: { ...h.metadata, "general.architecture": "alien" }, tensors: [] });
  await assert.rejects(loadLlm(join(dir, "alien.gguf"), { gpu: false }), /unknown architecture "alien"/);
  // a valid header with a tensor of the wrong shape: llama.cpp refuses it with an exception, not a crash
  copyFileSync(modelPath, join(dir, "copy.gguf"));
  await writeGguf(join(dir, "shape.gguf"), { metadata: h.metadata, tensors: [{ name: "token_embd.weight", shape: [7, 64], type: "F32", data: new Float32Array(7 * 64) }] });
  await assert.rejects(loadLlm(join(dir, "shape.gguf"), { gpu: false }), (e: Error) => e instanceof LlmError && /shape\.gguf: llama\.cpp cannot load it/.test(e.message));
  // still alive and serving
  const r = await engine.complete("The", { maxTokens: 3 });
  assert.equal(r.completionTokens, 3);
});
