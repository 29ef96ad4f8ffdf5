import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import type FastifyModule from "fastify";
import type { FastifyInstance } from "fastify";
import { createServer, HttpError, InMemoryModelSource } from "../../src/serve/index.js";
import { NUMERIC, penguinRows, saveLinearModel, savePenguinSexModel, tempRoot } from "./helpers.js";

type Json = Record<string, unknown>;
interface Spec {
  openapi: string;
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Json }> }; parameters?: { name: string; in: string }[]; responses: Record<string, { content?: Record<string, { schema: Json }> }> }>>;
}

let root: string;
let app: FastifyInstance;
let spec: Spec;
const routes: { method: string; url: string }[] = [];
const MAX_ROWS = 5;
const row = (() => {
  const r = penguinRows()[0];
  return { Species: r.Species, ...Object.fromEntries(NUMERIC.map((k) => [k, r[k]])) };
})();

before(async () => {
  root = await tempRoot();
  const sex = await savePenguinSexModel(root, "sex", 1, 3);
  const source = new InMemoryModelSource()
    .addVersion("linear", 1, await saveLinearModel(root)).setAlias("linear", "production", 1)
    .addVersion("penguins", 1, sex.dir).setAlias("penguins", "production", 1);
  app = createServer({
    models: source, maxRows: MAX_ROWS,
    plugins: [async (p) => {
      p.get("/v1/echo/:word", { schema: { summary: "echo", params: { type: "object", properties: { word: { type: "string" } }, required: ["word"] } } }, async (req) => {
        const { word } = req.params as { word: string };
        if (word === "no") throw new HttpError(400, "invalid_field", "word: not no", "word");
        return { word };
      });
    }],
  });
  // every route the server ends up with, plugins' included
  app.addHook("onRoute", (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  const res = await app.inject({ method: "GET", url: "/docs/json" });
  assert.equal(res.statusCode, 200);
  spec = JSON.parse(res.body) as Spec;
});

after(async () => {
  await app.close();
  await rm(root, { recursive: true, force: true });
});

test("the spec is OpenAPI 3.1 and documents every route but its own (and the HEAD twins)", () => {
  assert.equal(spec.openapi, "3.1.0");
  const documented = routes.filter((r) => r.method !== "HEAD" && !r.url.startsWith("/docs"));
  assert.ok(documented.length >= 8, JSON.stringify(documented));
  for (const r of documented) {
    const path = r.url.replace(/:(\w+)/g, "{$1}");
    assert.ok(spec.paths[path]?.[r.method.toLowerCase()], `${r.method} ${path} is in the spec`);
  }
  const predict = spec.paths["/v1/models/{name}/versions/{version}/predict"].post;
  assert.deepEqual(predict.parameters?.map((p) => [p.name, p.in]).sort(), [["name", "path"], ["version", "path"]]);
  for (const code of ["200", "400", "404", "413", "429"]) assert.ok(predict.responses[code], `predict documents ${code}`);
  assert.ok(spec.paths["/metrics"].get.responses["200"].content?.["text/plain"]);
});

test("the UI is served at /docs", async () => {
  let r = await app.inject({ method: "GET", url: "/docs" });
  if (r.statusCode >= 300 && r.statusCode < 400) r = await app.inject({ method: "GET", url: String(r.headers.location).replace(/^\.?\/?(?!docs)/, "/docs/") });
  assert.equal(r.statusCode, 200);
  assert.match(r.body, /swagger-ui/i);
});

test("the documented predict body schema accepts and rejects the same bodies the server does", async () => {
  const schema = spec.paths["/v1/models/{name}/predict"].post.requestBody?.content["application/json"].schema;
  assert.ok(schema);
  // an independent JSON Schema validator: Fastify's ajv, with coercion and property removal off
  const Fastify = createRequire(import.meta.url)("fastify") as typeof FastifyModule;
  const checker = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, strict: false } } });
  checker.post("/check", { schema: { body: schema } }, async () => ({ valid: true }));
  try {
    const bodies: [string, unknown][] = [
      ["linear", { inputs: [[1, 2]] }],
      ["linear", { inputs: Array.from({ length: MAX_ROWS }, () => [1, 2]) }],
      ["penguins", { rows: [row] }],
      ["penguins", { rows: [row, { ...row, "Body Mass (g)": 4000.5 }] }],
      ["linear", { inputs: Array.from({ length: MAX_ROWS + 1 }, () => [1, 2]) }],
      ["linear", { inputs: [] }],
      ["linear", { inputs: [[]] }],
      ["linear", { inputs: [[1, "2"]] }],
      ["linear", { inputs: [[1, 2]], extra: true }],
      ["linear", { inputs: [[1, 2]], rows: [row] }],
      ["linear", {}],
      ["linear", [[1, 2]]],
      ["linear", { inputs: { 0: [1, 2] } }],
      ["penguins", { rows: [] }],
      ["penguins", { rows: [{ Species: { nested: 1 } }] }],
      ["penguins", { rows: [["Adelie"]] }],
      ["penguins", { rows: Array.from({ length: MAX_ROWS + 1 }, () => row) }],
    ];
    let accepted = 0;
    for (const [model, body] of bodies) {
      const byServer = await app.inject({ method: "POST", url: `/v1/models/${model}/predict`, payload: JSON.stringify(body), headers: { "content-type": "application/json" } });
      const bySchema = await checker.inject({ method: "POST", url: "/check", payload: JSON.stringify(body), headers: { "content-type": "application/json" } });
      assert.equal(bySchema.statusCode === 200, byServer.statusCode === 200, `${JSON.stringify(body).slice(0, 80)}: schema ${bySchema.statusCode}, server ${byServer.statusCode} ${byServer.body}`);
      if (byServer.statusCode !== 200) assert.equal(byServer.statusCode, 400);
      else accepted++;
    }
    assert.equal(accepted, 4);
  } finally {
    await checker.close();
  }
});

test("responses match their documented schemas", async () => {
  const Fastify = createRequire(import.meta.url)("fastify") as typeof FastifyModule;
  const checker = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: false, strict: false } } });
  const responses = spec.paths["/v1/models/{name}/predict"].post.responses;
  checker.post("/ok", { schema: { body: responses["200"].content?.["application/json"].schema } }, async () => "");
  checker.post("/error", { schema: { body: responses["400"].content?.["application/json"].schema } }, async () => "");
  try {
    const ok = await app.inject({ method: "POST", url: "/v1/models/penguins/predict", payload: { rows: [row] } });
    assert.equal(ok.statusCode, 200);
    assert.equal((await checker.inject({ method: "POST", url: "/ok", payload: ok.json() as Json })).statusCode, 200, ok.body);
    const bad = await app.inject({ method: "POST", url: "/v1/models/penguins/predict", payload: { rows: [{ ...row, Species: 3 }] } });
    assert.equal(bad.statusCode, 400);
    assert.equal((await checker.inject({ method: "POST", url: "/error", payload: bad.json() as Json })).statusCode, 200, bad.body);
    assert.equal((await checker.inject({ method: "POST", url: "/ok", payload: bad.json() as Json })).statusCode, 400, "and the schema is not vacuous");
  } finally {
    await checker.close();
  }
});
