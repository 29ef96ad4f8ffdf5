// The server reading models from the real registry: an alias moved in the registry is what the next
// request gets, and unknown names are 404s.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Linear, manualSeed, openRegistry, registerLlm, registryModelSource, saveModelDir, createServer, writeTinyLlama } from "../../src/index.js";

test("the server resolves aliases and versions through the registry", async () => {
  const root = mkdtempSync(join(tmpdir(), "ingot-reg-serve-"));
  const registry = openRegistry({ root: join(root, ".ingot") });
  try {
    manualSeed(0);
    for (const v of [1, 2]) {
      const m = new Linear(2, 1);
      const dir = join(root, `m${v}`);
      await saveModelDir(dir, { architecture: m.getConfig(), stateDict: m.stateDict(), metadata: { task: "regression" } });
      await registry.registerModel("lin", { modelDir: dir });
    }
    await registry.setAlias("lin", "production", 1);
    const app = createServer({ models: registryModelSource(registry) });
    const ask = async (): Promise<number> => {
      const r = await app.inject({ method: "POST", url: "/v1/models/lin/predict", payload: { inputs: [[1, 2]] } });
      assert.equal(r.statusCode, 200, r.body);
      return (JSON.parse(r.body) as { version: number }).version;
    };
    assert.equal(await ask(), 1);
    await registry.setAlias("lin", "production", 2); // promote
    assert.equal(await ask(), 2);
    await registry.setAlias("lin", "production", 1); // roll back
    assert.equal(await ask(), 1);
    const listed = JSON.parse((await app.inject({ method: "GET", url: "/v1/models" })).body) as { models: { name: string; versions: number[] }[] } | { name: string; versions: number[] }[];
    assert.match(JSON.stringify(listed), /"lin"/);
    assert.equal((await app.inject({ method: "POST", url: "/v1/models/nope/predict", payload: { inputs: [[1, 2]] } })).statusCode, 404);
    assert.equal((await app.inject({ method: "POST", url: "/v1/models/lin/versions/9/predict", payload: { inputs: [[1, 2]] } })).statusCode, 404);
    await app.close();
  } finally {
    await registry.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test("an LLM version asked for a prediction is a 400 that points at the OpenAI routes, not a 500", async () => {
  const root = mkdtempSync(join(tmpdir(), "ingot-reg-llm-"));
  const registry = openRegistry({ root: join(root, ".ingot") });
  const app = createServer({ models: registryModelSource(registry) });
  try {
    const gguf = join(root, "tiny.gguf");
    await writeTinyLlama(gguf, { seed: 0, vocabSize: 300, context: 64 });
    const v = await registerLlm(registry, "chat", gguf, { alias: "production" });
    const r = await app.inject({ method: "POST", url: "/v1/models/chat/predict", payload: { inputs: [[1, 2]] } });
    assert.equal(r.statusCode, 400, r.body);
    assert.deepEqual(r.json(), {
      error: { code: "not_a_predict_model", message: `model "chat" version ${v.version} is an LLM: call it through the OpenAI-compatible routes under /openai/v1` },
    });
  } finally {
    await app.close();
    await registry.close();
    rmSync(root, { recursive: true, force: true });
  }
});
