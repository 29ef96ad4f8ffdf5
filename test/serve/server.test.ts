import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { rm } from "node:fs/promises";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { liveTensors, noGrad, scope, softmax } from "../../src/index.js";
import { createServer, InMemoryModelSource, type ModelSource } from "../../src/serve/index.js";
import { NUMERIC, penguinRows, penguinTable, saveLinearModel, savePenguinSexModel, savePenguinSpeciesModel, tempRoot, type PenguinRow, type SavedModel } from "./helpers.js";

let root: string;
let sexV1: SavedModel;
let sexV2: SavedModel;
let species: SavedModel;
let source: InMemoryModelSource;
let app: FastifyInstance;
const rows = penguinRows();
const featureRows = rows.map(({ Species, ...r }) => ({ Species, ...Object.fromEntries(NUMERIC.map((k) => [k, r[k]])) }));

before(async () => {
  root = await tempRoot();
  sexV1 = await savePenguinSexModel(root, "sex-v1", 1);
  sexV2 = await savePenguinSexModel(root, "sex-v2", 2, 10);
  species = await savePenguinSpeciesModel(root);
  source = new InMemoryModelSource()
    .addVersion("penguins", 1, sexV1.dir).addVersion("penguins", 2, sexV2.dir).setAlias("penguins", "production", 1).setAlias("penguins", "staging", 2)
    .addVersion("species", 1, species.dir).setAlias("species", "production", 1)
    .addVersion("linear", 1, await saveLinearModel(root)).setAlias("linear", "production", 1);
  app = createServer({ models: source, bodyLimit: 64 * 1024 });
});

after(async () => {
  await app.close();
  await rm(root, { recursive: true, force: true });
});

type Json = Record<string, unknown>;
async function post(url: string, body: unknown, server = app): Promise<{ status: number; json: Json }> {
  const r = await server.inject({ method: "POST", url, payload: body as Json });
  return { status: r.statusCode, json: r.json() as Json };
}

/** The saved model's outputs computed in-process, to compare the server against. */
function localOutputs(m: SavedModel, input: readonly PenguinRow[]): number[][] {
  return noGrad(() => scope(() => m.model.call(m.transformer.transform(penguinTable(input)).features).toArray() as number[][]));
}

test("predict with raw rows runs the saved preprocessing and the sigmoid classifier", async () => {
  const { status, json } = await post("/v1/models/penguins/predict", { rows: featureRows });
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.model, "penguins");
  assert.equal(json.version, 1); // the production alias
  const preds = json.predictions as { label: string; probability: number }[];
  const local = localOutputs(sexV1, rows);
  assert.equal(preds.length, rows.length);
  let correct = 0;
  preds.forEach((p, i) => {
    assert.ok(Math.abs(p.probability - local[i][0]) < 1e-5, `row ${i}: ${p.probability} vs ${local[i][0]}`);
    assert.equal(p.label, local[i][0] >= 0.5 ? "MALE" : "FEMALE");
    if (p.label === rows[i].Sex) correct++;
  });
  assert.ok(correct / rows.length > 0.8, `training accuracy ${correct / rows.length}`);
});

test("versions and aliases routes pick the version asked for", async () => {
  const v2 = await post("/v1/models/penguins/versions/2/predict", { rows: featureRows.slice(0, 3) });
  assert.equal(v2.json.version, 2);
  const local = localOutputs(sexV2, rows.slice(0, 3));
  (v2.json.predictions as { probability: number }[]).forEach((p, i) => assert.ok(Math.abs(p.probability - local[i][0]) < 1e-5));
  assert.equal((await post("/v1/models/penguins/aliases/staging/predict", { rows: featureRows.slice(0, 1) })).json.version, 2);
  assert.equal((await post("/v1/models/penguins/aliases/production/predict", { rows: featureRows.slice(0, 1) })).json.version, 1);
});

test("a logits classifier answers class probabilities (softmax) keyed by class name, and the argmax", async () => {
  const some = rows.filter((_, i) => i % 40 === 0);
  const { status, json } = await post("/v1/models/species/predict", { rows: some.map((r) => Object.fromEntries(NUMERIC.map((k) => [k, r[k]]))) });
  assert.equal(status, 200, JSON.stringify(json));
  const logits = localOutputs(species, some);
  const expected = noGrad(() => scope(() => softmax(species.model.call(species.transformer.transform(penguinTable(some)).features), -1).toArray() as number[][]));
  (json.predictions as { label: string; probabilities: Record<string, number> }[]).forEach((p, i) => {
    assert.deepEqual(Object.keys(p.probabilities), ["Adelie", "Chinstrap", "Gentoo"]);
    Object.values(p.probabilities).forEach((q, k) => assert.ok(Math.abs(q - expected[i][k]) < 1e-5));
    const best = logits[i].indexOf(Math.max(...logits[i]));
    assert.equal(p.label, ["Adelie", "Chinstrap", "Gentoo"][best]);
  });
});

test("numeric inputs go straight to the model: a hand-set regression y = 2·x0 − x1 + 0.5", async () => {
  const { status, json } = await post("/v1/models/linear/predict", { inputs: [[1, 1], [0, 2], [-1.5, 0.5]] });
  assert.equal(status, 200, JSON.stringify(json));
  assert.deepEqual(json.predictions, [{ value: 1.5 }, { value: -1.5 }, { value: -3 }]);
});

test("unknown model, version or alias is a JSON 404", async () => {
  for (const url of ["/v1/models/nope/predict", "/v1/models/penguins/versions/9/predict", "/v1/models/penguins/aliases/canary/predict"]) {
    const { status, json } = await post(url, { rows: featureRows.slice(0, 1) });
    assert.equal(status, 404, url);
    const e = json.error as Json;
    assert.equal(e.code, "model_not_found");
    assert.match(e.message as string, /no model "(nope|penguins)" with (alias|version)/);
  }
  const r = await app.inject({ method: "GET", url: "/v2/nothing" });
  assert.equal(r.statusCode, 404);
  assert.equal((r.json() as { error: Json }).error.code, "route_not_found");
});

test("a bad field is a 400 that names it", async () => {
  const bad = featureRows.slice(0, 5).map((r) => ({ ...r }));
  (bad[3] as Record<string, unknown>)["Body Mass (g)"] = "abc";
  let { status, json } = await post("/v1/models/penguins/predict", { rows: bad });
  assert.equal(status, 400);
  assert.deepEqual(json.error, { code: "invalid_field", field: "rows[3].Body Mass (g)", message: 'rows[3].Body Mass (g): expected a number, got "abc"' });

  const missing = featureRows.slice(0, 2).map((r) => ({ ...r }));
  delete (missing[1] as Record<string, unknown>).Species;
  ({ status, json } = await post("/v1/models/penguins/predict", { rows: missing }));
  assert.equal(status, 400);
  assert.equal((json.error as Json).field, "rows[1].Species");

  const cases: [string, unknown, string][] = [
    ["/v1/models/penguins/predict", { rows: [{ ...featureRows[0], Species: "Emperor" }] }, "rows"], // unseen category
    ["/v1/models/penguins/predict", { rows: [{ ...featureRows[0], "Beak Depth (mm)": null }] }, "rows[0]"], // missing value the model cannot take
    ["/v1/models/penguins/predict", { rows: [{ Species: { nested: 1 } }] }, "rows[0].Species"],
    ["/v1/models/penguins/predict", { rows: [] }, "rows"],
    ["/v1/models/penguins/predict", { rows: featureRows.slice(0, 1), extra: 1 }, "body"],
    ["/v1/models/penguins/predict", { nothing: 1 }, "body"],
    ["/v1/models/linear/predict", { inputs: [[1, 2], [3]] }, "inputs[1]"],
    ["/v1/models/linear/predict", { inputs: [[1, "x"]] }, "inputs[0][1]"],
    ["/v1/models/penguins/versions/abc/predict", { rows: featureRows.slice(0, 1) }, "version"],
  ];
  for (const [url, body, field] of cases) {
    const r = await post(url, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(r.json)}`);
    const e = r.json.error as Json;
    assert.equal(e.field ?? "body", field, JSON.stringify(e));
    assert.ok((e.message as string).startsWith(field), JSON.stringify(e));
  }
});

test("an oversize body is a 413 and malformed JSON a 400, both as JSON errors", async () => {
  const big = { rows: Array.from({ length: 2000 }, () => featureRows[0]) };
  const r1 = await post("/v1/models/penguins/predict", big);
  assert.equal(r1.status, 413);
  assert.equal((r1.json.error as Json).code, "payload_too_large");
  const r2 = await app.inject({ method: "POST", url: "/v1/models/penguins/predict", headers: { "content-type": "application/json" }, payload: '{"rows": [' });
  assert.equal(r2.statusCode, 400);
  assert.equal((r2.json() as { error: Json }).error.code, "malformed_json");
});

test("a 5xx hides the cause from the client and logs it with the request id", async () => {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  const broken: ModelSource = {
    resolve: async (name) => ({ name, version: 1, dir: `${root}/does-not-exist-secret-path` }),
    list: async () => { throw new Error("database on fire"); },
  };
  const server = createServer({ models: broken, logger: { level: "error", stream } });
  try {
    const r = await post("/v1/models/x/predict", { inputs: [[1]] }, server);
    assert.equal(r.status, 500);
    const e = r.json.error as Json;
    assert.equal(e.code, "internal");
    const text = JSON.stringify(r.json);
    assert.ok(!text.includes("secret") && !text.includes("at "), text);
    assert.match(e.requestId as string, /^[0-9a-f-]{36}$/);
    const logged = lines.find((l) => l.includes(e.requestId as string));
    assert.ok(logged?.includes("does-not-exist-secret-path"), "the log has the real cause and the request id");
    const ready = await server.inject({ method: "GET", url: "/readyz" });
    assert.equal(ready.statusCode, 503);
  } finally {
    await server.close();
  }
});

test("health, readiness and the model list", async () => {
  assert.deepEqual((await app.inject({ method: "GET", url: "/healthz" })).json(), { status: "ok" });
  assert.deepEqual((await app.inject({ method: "GET", url: "/readyz" })).json(), { status: "ready" });
  const list = (await app.inject({ method: "GET", url: "/v1/models" })).json() as { models: { name: string; versions: number[]; aliases: Record<string, number> }[] };
  assert.deepEqual(list.models.find((m) => m.name === "penguins"), { name: "penguins", versions: [1, 2], aliases: { production: 1, staging: 2 } });
});

test("500 predictions keep the number of live tensors flat", async () => {
  const body = { rows: featureRows.slice(0, 4) };
  await post("/v1/models/penguins/predict", body); // loads the model
  const before = liveTensors();
  for (let i = 0; i < 500; i++) {
    const r = await post(i % 2 ? "/v1/models/penguins/predict" : "/v1/models/species/predict", i % 2 ? body : { rows: [Object.fromEntries(NUMERIC.map((k) => [k, rows[i % rows.length][k]]))] });
    assert.equal(r.status, 200);
  }
  assert.equal(liveTensors(), before);
});
