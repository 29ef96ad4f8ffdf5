// LLMs in the registry: registering a GGUF as a model version, resolving name / name@version /
// name@alias, lazy loading with a small LRU, and alias moves seen by the next acquire. Real registry,
// real tiny GGUF files, real node-llama-cpp.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadModelDir } from "../../src/io/model-dir.js";
import { writeTinyLlama } from "../../src/llm/gguf/index.js";
import { registerPrompt } from "../../src/llm/prompts/index.js";
import { LLM_FILE, LlmSourceError, parseModelRef, readLlmArchitecture, registerLlm, registryLlmSource } from "../../src/llm/registry-source.js";
import { openRegistry, type Registry } from "../../src/registry/index.js";

let root: string;
let registry: Registry;
let gguf1: string;
let gguf2: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), "ingot-llm-registry-"));
  registry = openRegistry({ root: join(root, "registry") });
  gguf1 = join(root, "a.gguf");
  gguf2 = join(root, "b.gguf");
  await writeTinyLlama(gguf1, { seed: 1 });
  await writeTinyLlama(gguf2, { seed: 2 });
});

after(async () => {
  await registry.close();
  await rm(root, { recursive: true, force: true });
});

test("parseModelRef: a bare name is the default alias, digits a version, anything else an alias", () => {
  assert.deepEqual(parseModelRef("tiny"), { name: "tiny", selector: { alias: "production" } });
  assert.deepEqual(parseModelRef("tiny", "staging"), { name: "tiny", selector: { alias: "staging" } });
  assert.deepEqual(parseModelRef("tiny@12"), { name: "tiny", selector: { version: 12 } });
  assert.deepEqual(parseModelRef("tiny@canary"), { name: "tiny", selector: { alias: "canary" } });
  assert.throws(() => parseModelRef("tiny@"), (e: unknown) => e instanceof LlmSourceError && e.code === "invalid_model");
  assert.throws(() => parseModelRef("../etc"), /not a model name/);
  assert.throws(() => parseModelRef("tiny@0"), /version number or an alias/);
});

test("registerLlm stores a model directory the classic loader still reads, with the GGUF byte for byte", async () => {
  const v = await registerLlm(registry, "chat", gguf1, { alias: "production", notes: "first" });
  assert.equal(v.version, 1);
  assert.deepEqual(v.aliases, ["production"]);
  assert.deepEqual(await readLlmArchitecture(v.path), { kind: "llm", format: "gguf", file: LLM_FILE });
  assert.deepEqual(await readFile(join(v.path, LLM_FILE)), await readFile(gguf1));
  const dir = await loadModelDir(v.path);
  assert.deepEqual(Object.keys(dir.stateDict), []);
});

test("registerLlm refuses a file that is not GGUF, naming it, and registers nothing", async () => {
  const fake = join(root, "fake.gguf");
  await writeFile(fake, "not a model at all");
  await assert.rejects(registerLlm(registry, "fake", fake), /fake\.gguf: not a GGUF file/);
  await assert.rejects(registerLlm(registry, "fake", join(root, "missing.gguf")), /missing\.gguf: cannot open the GGUF file: ENOENT/);
  assert.ok(!(await registry.listModels()).some((m) => m.name === "fake"));
});

test("acquire resolves aliases on every call, caches engines and lists only LLMs", async () => {
  await registerLlm(registry, "chat", gguf2);
  await registerPrompt(registry, "a-prompt", { mode: "chat", template: "Say {{x}}", variables: ["x"], examples: [] });
  const source = registryLlmSource(registry, { contextSize: 128 }, { maxEngines: 1 });
  try {
    const listed = await source.list();
    assert.deepEqual(listed.map((m) => [m.name, m.versions, m.aliases]), [["chat", [1, 2], { production: 1 }]]);
    const a = await source.acquire("chat");
    assert.deepEqual([a.name, a.version], ["chat", 1]);
    const again = await source.acquire("chat@production");
    assert.equal(again.engine, a.engine, "the same version is loaded once");
    again.release();
    await registry.setAlias("chat", "production", 2);
    const b = await source.acquire("chat");
    assert.deepEqual([b.name, b.version], ["chat", 2]);
    // version 1 was evicted (maxEngines 1) while leased: it keeps working until released, then closes
    const stillOpen = await a.engine.complete("Hello", { maxTokens: 2, temperature: 0 });
    assert.ok(stillOpen.completionTokens > 0);
    a.release();
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(a.engine.complete("Hello", { maxTokens: 2 }), /closed/);
    b.release();
    assert.deepEqual(source.loaded().map((l) => [l.name, l.version]), [["chat", 2]]);
    await assert.rejects(source.acquire("chat@7"), (e: unknown) => e instanceof LlmSourceError && e.code === "model_not_found" && /version 7/.test(e.message));
    await assert.rejects(source.acquire("nobody"), (e: unknown) => e instanceof LlmSourceError && e.code === "model_not_found");
    await assert.rejects(source.acquire("a-prompt@1"), (e: unknown) => e instanceof LlmSourceError && e.code === "not_an_llm");
  } finally {
    await source.close();
  }
});
