// The dashboard's JSON API against a real registry (runs trained here), real API keys and a real monitor
// fed with real predict requests: every route, its filters, and its errors in the server's format.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { loadDataset, profileTable } from "../../src/data/index.js";
import { EVALUATION_ARTIFACT } from "../../src/experiment/evaluation.js";
import { createMonitor, type PredictionMonitor } from "../../src/monitor/index.js";
import { openApiKeys } from "../../src/serve/auth/index.js";
import { buildFixture, type Fixture } from "./fixture.js";
import { dashboardServer } from "./server.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let fx: Fixture;
let app: FastifyInstance;
let monitor: PredictionMonitor;
let emptyAssets: string;
let tokens: { admin: string; predict: string };

/** A GET with the read-only "predict" key, or with `token` (null: none). */
async function get(url: string, server = app, token: string | null = tokens.predict): Promise<{ status: number; json: Json }> {
  const r = await server.inject({ method: "GET", url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: r.statusCode, json: r.json() as Json };
}

async function post(url: string, body: unknown, token?: string, server = app): Promise<{ status: number; json: Json }> {
  const r = await server.inject({ method: "POST", url, payload: body as Json, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: r.statusCode, json: r.json() as Json };
}

/** Sends a real predict request; the server hands it to the monitor through onPredict. */
async function predictRows(rows: Json[]): Promise<void> {
  const r = await app.inject({ method: "POST", url: "/v1/models/penguins/predict", payload: { rows }, headers: { authorization: `Bearer ${tokens.predict}` } });
  assert.equal(r.statusCode, 200, r.body);
}

/** The monitor's report once it has seen `requests` requests (observers run after the response). */
async function settledReport(query: string, requests: number): Promise<{ status: number; json: Json }> {
  for (let i = 0; ; i++) {
    const r = await get(`/api/monitor/penguins?${query}`);
    if (r.status !== 200 || r.json.requests >= requests || i === 50) return r;
    await new Promise((done) => setTimeout(done, 20));
  }
}

before(async () => {
  fx = await buildFixture();
  const keys = await openApiKeys(join(fx.root, "api-keys.json"));
  tokens = { admin: (await keys.create({ name: "ops", scopes: ["admin"] })).token, predict: (await keys.create({ name: "app", scopes: ["predict"] })).token };
  monitor = createMonitor({ root: fx.root, modelDir: async (name, v) => (await fx.registry.getVersion(name, v)).path, log: () => undefined });
  emptyAssets = await mkdtemp(join(tmpdir(), "ingot-dashboard-assets-"));
  const assets = join(emptyAssets, "built");
  await mkdir(assets);
  await writeFile(join(assets, "index.html"), "<!doctype html><title>Ingot dashboard</title><main id=app></main>");
  await writeFile(join(assets, "app.js"), "console.log('dashboard')");
  app = await dashboardServer(fx, { keys, monitor, assetsDir: assets });
});

after(async () => {
  await app?.close();
  await monitor?.close();
  await fx?.close();
  await rm(emptyAssets, { recursive: true, force: true });
});

describe("runs", () => {
  test("experiments and every run are listed, newest first", async () => {
    const { status, json } = await get("/api/experiments");
    assert.equal(status, 200);
    assert.deepEqual(json.experiments.map((e: Json) => e.name).sort(), ["penguins-sex", "scratch"]);
    const runs = (await get("/api/runs")).json.runs as Json[];
    assert.deepEqual(runs.map((r) => r.id).sort(), Object.values(fx.runs).sort());
    const starts = runs.map((r) => r.startTime as number);
    assert.deepEqual(starts, [...starts].sort((a, b) => b - a));
  });

  test("filters by experiment and status, orders by a metric", async () => {
    const byExp = (await get("/api/runs?experiment=penguins-sex")).json.runs as Json[];
    assert.deepEqual(byExp.map((r) => r.name).sort(), ["adam-fast", "adam-slow"]);
    assert.deepEqual(((await get("/api/runs?status=failed")).json.runs as Json[]).map((r) => r.name), ["diverged"]);
    assert.deepEqual(((await get("/api/runs?experiment=scratch&status=running")).json.runs as Json[]).map((r) => r.name), ["still-training"]);
    for (const order of ["asc", "desc"]) {
      const sorted = (await get(`/api/runs?orderBy=metric:loss&order=${order}`)).json.runs as Json[];
      const losses = sorted.map((r) => r.metrics.loss as number);
      assert.equal(losses.length, 4);
      assert.deepEqual(losses, [...losses].sort((a, b) => (order === "asc" ? a - b : b - a)));
    }
    assert.equal(((await get("/api/runs?limit=1")).json.runs as Json[]).length, 1);
  });

  test("bad filters are 400s naming the field; an unknown experiment is a 404", async () => {
    let r = await get("/api/runs?status=done");
    assert.equal(r.status, 400);
    assert.equal(r.json.error.field, "query.status");
    r = await get("/api/runs?orderBy=loss");
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /^query\.orderBy: expected metric:<key>/);
    r = await get("/api/runs?limit=0");
    assert.equal(r.json.error.field, "query.limit");
    r = await get("/api/runs?colour=red");
    assert.equal(r.status, 400);
    r = await get("/api/runs?experiment=nope");
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, "experiment_not_found");
    assert.match(r.json.error.message, /"nope"/);
  });

  test("a run has its params, tags, metric keys and the evaluation it logged", async () => {
    const { status, json } = await get(`/api/runs/${fx.runs.fast}`);
    assert.equal(status, 200);
    assert.equal(json.run.name, "adam-fast");
    assert.deepEqual(json.run.params, { hidden: "16", lr: "0.03", optimizer: "adam", steps: "40" });
    assert.deepEqual(json.run.tags, { dataset: "penguins" });
    assert.deepEqual(json.metricKeys, ["loss", "test_accuracy", "test_f1", "test_precision", "test_recall", "test_rocAuc", "train_accuracy"]);
    assert.deepEqual(json.run.artifacts.map((a: Json) => Object.keys(a).sort()), [["createdAt", "name", "size"]]); // no server paths
    assert.deepEqual(json.evaluation, JSON.parse(JSON.stringify(fx.fastEvaluation)));
    assert.equal(json.evaluationError, null);
    const cells = (json.evaluation.confusionMatrix as number[][]).flat();
    assert.equal(cells.reduce((a, b) => a + b, 0), fx.testSize);
  });

  test("a run without evaluation has null; a broken evaluation.json is named, not a 500", async () => {
    let r = await get(`/api/runs/${fx.runs.live}`);
    assert.equal(r.json.evaluation, null);
    assert.equal(r.json.evaluationError, null);
    await fx.registry.logArtifact(fx.runs.failed, new TextEncoder().encode(JSON.stringify({ split: "test", task: "binary", metrics: { accuracy: "high" } })), EVALUATION_ARTIFACT);
    r = await get(`/api/runs/${fx.runs.failed}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.evaluation, null);
    assert.match(r.json.evaluationError, /^evaluation\.json: metrics\.accuracy: /);
  });

  test("unknown and malformed run ids", async () => {
    let r = await get(`/api/runs/${"0".repeat(32)}`);
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, "run_not_found");
    r = await get("/api/runs/xyz");
    assert.equal(r.status, 400);
    assert.equal(r.json.error.field, "id");
  });

  test("metric histories: every step as logged", async () => {
    const all = (await get(`/api/runs/${fx.runs.fast}/metrics`)).json;
    assert.equal(all.status, "finished");
    const loss = await fx.registry.metricHistory(fx.runs.fast, "loss");
    assert.equal(loss.length, 40);
    assert.deepEqual(all.history.loss, loss);
    assert.ok(loss[39].value < loss[0].value, "training lowered the loss");
    const one = await get(`/api/runs/${fx.runs.fast}/metrics/train_accuracy`);
    assert.deepEqual(one.json.history, await fx.registry.metricHistory(fx.runs.fast, "train_accuracy"));
    const missing = await get(`/api/runs/${fx.runs.fast}/metrics/nope`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, "metric_not_found");
    assert.match(missing.json.error.message, /has no metric "nope" \(it has: loss, /);
  });

  test("compare puts runs side by side", async () => {
    const { status, json } = await get(`/api/compare?ids=${fx.runs.fast},${fx.runs.slow}`);
    assert.equal(status, 200);
    assert.deepEqual(json.params.lr, ["0.03", "0.003"]);
    assert.deepEqual(json.metrics.loss, [(await fx.registry.getRun(fx.runs.fast)).metrics.loss, (await fx.registry.getRun(fx.runs.slow)).metrics.loss]);
    let r = await get(`/api/compare?ids=${fx.runs.fast}`);
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /at least two/);
    r = await get(`/api/compare?ids=${fx.runs.fast},zz`);
    assert.equal(r.json.error.field, "query.ids[1]");
    r = await get(`/api/compare?ids=${fx.runs.fast},${"f".repeat(32)}`);
    assert.equal(r.status, 404);
  });
});

describe("models", () => {
  test("list and detail with versions, aliases and run lineage", async () => {
    const models = (await get("/api/models")).json.models as Json[];
    assert.deepEqual(models.map((m) => [m.name, m.versionCount, m.aliases]), [["penguins", 2, { production: 1 }]]);
    const { json } = await get("/api/models/penguins");
    assert.deepEqual(json.model.aliases, { production: 1 });
    assert.deepEqual(json.versions.map((v: Json) => [v.version, v.run.id, v.run.name, v.notes, v.aliases]), [
      [1, fx.runs.fast, "adam-fast", "first model: lr 0.03", ["production"]],
      [2, fx.runs.slow, "adam-slow", "smaller, slower learner", []],
    ]);
    assert.ok(!("path" in json.versions[0]));
    const r = await get("/api/models/nope");
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, "model_not_found");
  });

  test("with API keys, every read needs a key of any scope; the page itself does not", async () => {
    for (const url of ["/api/runs", "/api/experiments", "/api/models", "/api/models/penguins", "/api/data", "/api/monitor/penguins"]) {
      const r = await get(url, app, null);
      assert.equal(r.status, 401, url);
      assert.equal(r.json.error.code, "missing_api_key", url);
      assert.equal((await get(url, app, tokens.admin)).status, 200, `${url} with the admin key`);
    }
    assert.equal((await get("/api/runs", app, "ingot_0000000000000000_" + "0".repeat(43))).status, 401);
    const page = await app.inject({ method: "GET", url: "/" });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Ingot dashboard/);
  });

  test("promote and roll back need an admin key", async () => {
    let r = await post("/api/models/penguins/aliases/production", { version: 2 });
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, "missing_api_key");
    r = await post("/api/models/penguins/aliases/production", { version: 2 }, tokens.predict);
    assert.equal(r.status, 403);
    assert.match(r.json.error.message, /lacks the scope "admin"/);
    r = await post("/api/models/penguins/rollback", {}, "ingot_0000000000000000_" + "0".repeat(43));
    assert.equal(r.status, 401);
    assert.deepEqual((await fx.registry.getModel("penguins")).aliases, { production: 1 }, "refused requests changed nothing");
  });

  test("promote moves the alias; roll back returns it to the older version", async () => {
    let r = await post("/api/models/penguins/aliases/production", { version: 2 }, tokens.admin);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json, { model: "penguins", alias: "production", version: 2, previous: 1 });
    assert.equal((await fx.registry.getModel("penguins")).aliases.production, 2);
    // the prediction route sees it on the next request
    const p = await app.inject({ method: "POST", url: "/v1/models/penguins/predict", payload: { rows: fx.featureRows.slice(0, 2) }, headers: { authorization: `Bearer ${tokens.predict}` } });
    assert.equal((p.json() as Json).version, 2);

    r = await post("/api/models/penguins/rollback", {}, tokens.admin);
    assert.deepEqual(r.json, { model: "penguins", alias: "production", version: 1, previous: 2 });
    assert.equal((await fx.registry.getModel("penguins")).aliases.production, 1);
    r = await post("/api/models/penguins/rollback", { alias: "production" }, tokens.admin);
    assert.equal(r.status, 409);
    assert.equal(r.json.error.code, "nothing_to_roll_back_to");
    r = await post("/api/models/penguins/rollback", { alias: "staging" }, tokens.admin);
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, "alias_not_found");
  });

  test("bad promote requests name the field", async () => {
    let r = await post("/api/models/penguins/aliases/production", { version: "2" }, tokens.admin);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.field, "version");
    r = await post("/api/models/penguins/aliases/production", { version: 2, force: true }, tokens.admin);
    assert.equal(r.status, 400);
    r = await post("/api/models/penguins/aliases/production", { version: 9 }, tokens.admin);
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, "version_not_found");
    r = await post("/api/models/penguins/aliases/9lives", { version: 1 }, tokens.admin);
    assert.equal(r.json.error.field, "alias");
    r = await post("/api/models/ghost/aliases/production", { version: 1 }, tokens.admin);
    assert.equal(r.status, 404);
    assert.equal((await fx.registry.getModel("penguins")).aliases.production, 1);
  });
});

describe("data", () => {
  test("the catalog and a dataset's profile, as profileTable computes it", async () => {
    const names = ((await get("/api/data")).json.datasets as Json[]).map((d) => d.name);
    assert.ok(names.includes("penguins") && names.includes("iris"));
    const { status, json } = await get("/api/data/penguins/profile");
    assert.equal(status, 200);
    assert.equal(json.target, "Species");
    assert.equal(json.rowsProfiled, 344);
    const expected = profileTable(await loadDataset("penguins"), { target: "Species" });
    assert.deepEqual(json.profile, JSON.parse(JSON.stringify(expected)));
    assert.deepEqual((await get("/api/data/penguins/profile")).json, json, "the cached answer is the same");
    const r = await get("/api/data/nope/profile");
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, "dataset_not_found");
    assert.match(r.json.error.message, /known: .*penguins/);
  });
});

describe("monitor", () => {
  test("reports from the monitor the server was given, with drift from shifted inputs", async () => {
    // every eighth penguin, so species and islands are mixed as in training
    const plain = fx.featureRows.filter((_, i) => i % 8 === 0).slice(0, 40);
    // heavier penguins than training ever saw: the body-mass input drifts
    const heavy = plain.map((r) => ({ ...r, "Body Mass (g)": (r["Body Mass (g)"] as number) + 2500 }));
    for (let i = 0; i < 4; i++) await predictRows(heavy.slice(i * 10, i * 10 + 10));
    // version 1 (production again after the models tests' roll back) served exactly these four requests
    const { status, json } = await settledReport("version=1&windowMs=600000", 4);
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.model, "penguins");
    assert.equal(json.version, 1);
    assert.equal(json.requests, 4);
    assert.equal(json.errors, 0);
    const mass = (json.drift as Json[]).find((d) => d.feature === "Body Mass (g)");
    assert.ok(mass, JSON.stringify(json.drift));
    assert.equal(mass.drifted, true);
    assert.equal(mass.count, 40);
    const beak = (json.drift as Json[]).find((d) => d.feature === "Beak Length (mm)");
    assert.ok(beak && beak.psi < mass.psi, JSON.stringify(beak));
    // the shifted input stands out from the ones that were not shifted (small samples make every PSI noisy)
    const others = (json.drift as Json[]).filter((d) => d.kind === "numeric" && d.feature !== "Body Mass (g)");
    assert.equal(others.length, 3);
    for (const d of others) assert.ok(d.ks < mass.ks, `${d.feature}: ks ${d.ks} vs body mass ${mass.ks}`);
    const bad = await get("/api/monitor/penguins?windowMs=-5");
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.field, "query.windowMs");
  });

  test("without a monitor the route says monitoring is off", async () => {
    const bare = await dashboardServer(fx, { assetsDir: emptyAssets });
    try {
      const r = await get("/api/monitor/penguins", bare);
      assert.equal(r.status, 404);
      assert.equal(r.json.error.code, "monitoring_disabled");
      assert.match(r.json.error.message, /monitoring is not enabled/);
    } finally {
      await bare.close();
    }
  });
});

describe("assets", () => {
  test("the built app is served at / with its files", async () => {
    const r = await app.inject({ method: "GET", url: "/" });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers["content-type"]), /text\/html/);
    assert.match(r.body, /Ingot dashboard/);
    assert.equal((await app.inject({ method: "GET", url: "/app.js" })).body, "console.log('dashboard')");
    const missing = await get("/nope.js");
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, "route_not_found");
    // the prediction API is untouched by the static files
    assert.equal((await get("/healthz")).json.status, "ok");
  });

  test("without built assets / says to run npm run build", async () => {
    const bare = await dashboardServer(fx, { assetsDir: emptyAssets });
    try {
      const r = await get("/", bare);
      assert.equal(r.status, 503);
      assert.equal(r.json.error.code, "dashboard_not_built");
      assert.match(r.json.error.message, /npm run build/);
      assert.equal((await get("/api/models", bare)).status, 200, "the API works without the assets");
    } finally {
      await bare.close();
    }
  });
});
