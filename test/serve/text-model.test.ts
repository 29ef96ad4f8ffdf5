import assert from "node:assert/strict";
import { test } from "node:test";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Generator, Linear, noGrad, saveModelDir, scope, Sequential, Sigmoid, specToJSON, TfidfVectorizer } from "../../src/index.js";
import { createServer, InMemoryModelSource } from "../../src/serve/index.js";
import { tempRoot } from "./helpers.js";

test("a text model's rows are vectorised server-side from the field its metadata names", async () => {
  const root = await tempRoot();
  const docs = ["win money now", "meeting at noon", "cheap money offer", "lunch meeting tomorrow"];
  const vec = new TfidfVectorizer().fit(docs);
  const g = new Generator(0);
  const model = new Sequential(new Linear(vec.vocabulary.length, 1, { generator: g }), new Sigmoid());
  const dir = join(root, "spam");
  await saveModelDir(dir, { architecture: model.getConfig(), stateDict: model.stateDict(), preprocessing: specToJSON({ vectorizer: vec }), metadata: { textField: "body" } });
  const app = createServer({ models: new InMemoryModelSource().addVersion("spam", 1, dir).setAlias("spam", "production", 1) });
  try {
    const texts = ["money money now", "see you at the meeting"];
    const r = await app.inject({ method: "POST", url: "/v1/models/spam/predict", payload: { rows: texts.map((body) => ({ body })) } });
    assert.equal(r.statusCode, 200, r.body);
    const local = noGrad(() => scope(() => model.call(vec.transform(texts).toDense()).toArray() as number[][]));
    const preds = (r.json() as { predictions: { label: number; probability: number }[] }).predictions;
    preds.forEach((p, i) => {
      assert.ok(Math.abs(p.probability - local[i][0]) < 1e-6);
      assert.equal(p.label, local[i][0] >= 0.5 ? 1 : 0); // no label encoder: class ids
    });
    const bad = await app.inject({ method: "POST", url: "/v1/models/spam/predict", payload: { rows: [{ body: "ok" }, { body: 3 }] } });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json(), { error: { code: "invalid_field", field: "rows[1].body", message: "rows[1].body: expected a string, got 3" } });
  } finally {
    await app.close();
    model.dispose();
    await rm(root, { recursive: true, force: true });
  }
});
