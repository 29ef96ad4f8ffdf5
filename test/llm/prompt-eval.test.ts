// Prompt evaluation against a real engine (a tiny random-weight llama loaded by node-llama-cpp): the
// expected scores are built from the engine's own greedy answers, so they are known without being
// hard-coded; plus prompts versioned in the registry and the `ingot llm eval` command.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { registerLlmPrompt } from "../../src/cli/llm-prompt.js";
import type { LlmEngine } from "../../src/llm/engine.js";
import { writeTinyLlama } from "../../src/llm/gguf/index.js";
import {
  definePromptTemplate, evaluatePrompt, loadRegisteredPrompt, registerPrompt, renderPrompt, type PromptExample, type PromptTemplate,
} from "../../src/llm/prompts/index.js";
import { registerLlm } from "../../src/llm/registry-source.js";
import { loadLlm } from "../../src/llm/runtime.js";
import { openRegistry, type Registry } from "../../src/registry/index.js";
import { runLlmCli } from "./capture-cli.js";

let root: string;
let gguf: string;
let engine: LlmEngine;
let registry: Registry;

const template: PromptTemplate = definePromptTemplate({
  name: "label",
  mode: "completion",
  system: "Label each review.",
  template: "Review: {{review}}\nLabel:",
  examples: [{ input: { review: "the dog sleeps in the sun" }, output: " calm" }],
  maxTokens: 6,
});
const reviews = ["the quick brown fox", "hello world", "a model is a function", "how are you today", "the lazy dog", "I am fine, thank you"];

/** The engine's own greedy answer for a review, the way evaluatePrompt asks for it. */
async function greedy(review: string, t = template): Promise<string> {
  const p = renderPrompt(t, { review });
  assert.equal(p.mode, "completion");
  return (await engine.complete(p.prompt, { temperature: 0, seed: 0, maxTokens: t.maxTokens ?? 64, ...(t.jsonSchema && { jsonSchema: t.jsonSchema }) })).text;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), "ingot-prompt-eval-"));
  gguf = join(root, "tiny.gguf");
  await writeTinyLlama(gguf, { seed: 3 });
  engine = await loadLlm(gguf, { contextSize: 256 });
  registry = openRegistry({ root: join(root, "registry") });
});

after(async () => {
  await engine?.close();
  await registry?.close();
  await rm(root, { recursive: true, force: true });
});

test("exact_match scores the share of answers equal to the expected text", async () => {
  // half the expectations are the engine's greedy answers, half are answers it cannot give
  const data: PromptExample[] = [];
  for (const [i, review] of reviews.entries()) data.push({ vars: { review }, expected: i % 2 === 0 ? await greedy(review) : "\u0000never" });
  const e = await evaluatePrompt(engine, template, data, { metric: "exact_match" });
  assert.equal(e.total, 6);
  assert.equal(e.passed, 3);
  assert.equal(e.score, 0.5);
  assert.deepEqual(e.results.map((r) => r.pass), [true, false, true, false, true, false]);
  assert.ok(e.completionTokens > 0 && e.promptTokens > 0);
});

test("accuracy reads labels leniently where exact_match does not", async () => {
  const data: PromptExample[] = [];
  for (const review of reviews) data.push({ vars: { review }, expected: `  ${(await greedy(review)).trim().toUpperCase()}!` });
  const exact = await evaluatePrompt(engine, template, data, { metric: "exact_match" });
  const accuracy = await evaluatePrompt(engine, template, data, { metric: "accuracy" });
  assert.equal(accuracy.score, 1);
  assert.equal(exact.score, 0);
});

test("json_valid: a schema-constrained template always parses; the unconstrained score matches JSON.parse of the answers", async () => {
  const jsonTemplate = definePromptTemplate({ ...template, maxTokens: 40, jsonSchema: { type: "object", properties: { label: { enum: ["calm", "busy"] }, sure: { type: "boolean" } }, required: ["label", "sure"], additionalProperties: false } });
  const data = reviews.slice(0, 3).map((review) => ({ vars: { review } }));
  const constrained = await evaluatePrompt(engine, jsonTemplate, data, { metric: "json_valid" });
  assert.equal(constrained.score, 1, JSON.stringify(constrained.results.map((r) => r.output)));
  let parses = 0;
  for (const review of reviews.slice(0, 3)) {
    try {
      JSON.parse(await greedy(review));
      parses++;
    } catch {
      // not JSON: counts as a failure
    }
  }
  const free = await evaluatePrompt(engine, template, data, { metric: "json_valid" });
  assert.equal(free.passed, parses);
});

test("a labelled row with a wrong variable fails before any generation, naming the row and the variable", async () => {
  await assert.rejects(evaluatePrompt(engine, template, [{ vars: { review: "x" }, expected: "a" }, { vars: { text: "y" }, expected: "b" }], { metric: "accuracy" }), /dataset\[1\]: missing value for "review"/);
  await assert.rejects(evaluatePrompt(engine, template, [{ vars: { review: "x" } }], { metric: "exact_match" }), /dataset\[0\]: metric exact_match needs an "expected" answer/);
});

test("prompts are versioned in the registry: aliases pick the version", async () => {
  const v1 = await registerPrompt(registry, "labeler", template, { alias: "production" });
  const changed = definePromptTemplate({ ...template, template: "Text: {{review}}\nAnswer:" });
  const v2 = await registerPrompt(registry, "labeler", changed);
  assert.deepEqual([v1.version, v2.version], [1, 2]);
  assert.equal((await loadRegisteredPrompt(registry, "labeler")).template.template, template.template);
  await registry.setAlias("labeler", "production", 2);
  const now = await loadRegisteredPrompt(registry, "labeler");
  assert.deepEqual([now.version, now.template.template], [2, changed.template]);
  assert.deepEqual((await loadRegisteredPrompt(registry, "labeler@1")).template, template);
});

const cli = (args: string[]): Promise<string> => runLlmCli(registerLlmPrompt, args);

test("ingot llm eval scores a template file or a registered prompt on a JSONL set with a registered model", async () => {
  await registerLlm(registry, "tiny", gguf, { alias: "production" });
  const tFile = join(root, "t.yaml");
  await writeFile(tFile, "mode: completion\nsystem: Label each review.\ntemplate: \"Review: {{review}}\\nLabel:\"\nexamples:\n  - input: {review: the dog sleeps in the sun}\n    output: \" calm\"\nmaxTokens: 6\n");
  const rows = [];
  for (const [i, review] of reviews.slice(0, 4).entries()) rows.push(JSON.stringify({ review, expected: i < 3 ? await greedy(review) : "\u0000never" }));
  const dFile = join(root, "d.jsonl");
  await writeFile(dFile, rows.join("\n") + "\n");
  const out = JSON.parse(await cli(["llm", "eval", "tiny", "--template", tFile, "--data", dFile, "--metric", "exact_match", "--json", "--root", join(root, "registry"), "--context", "256", "--log-run", "prompts"])) as { score: number; passed: number; total: number };
  assert.deepEqual([out.passed, out.total, out.score], [3, 4, 0.75]);
  const runs = await registry.listRuns({ experiment: "prompts" });
  assert.equal(runs.length, 1);
  assert.deepEqual((await registry.metricHistory(runs[0].id, "exact_match")).map((p) => p.value), [0.75]);
  const viaRegistry = await cli(["llm", "eval", gguf, "--template", "labeler@1", "--data", dFile, "--metric", "exact_match", "--root", join(root, "registry"), "--context", "256", "--show", "0"]);
  assert.match(viaRegistry, /labeler@1 on .*d\.jsonl with .*: exact_match 0\.7500 \(3\/4\)/);
});
