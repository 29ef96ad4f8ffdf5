// The dashboard end to end: a fresh Vite build served by a real listening server over a registry of runs
// trained here, clicked through in headless Chromium (Debian's, driven by playwright-core). Each page is
// checked against the registry and saved as a screenshot under test-results/dashboard/.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { chromium, type Browser, type Page } from "playwright-core";
import { createMonitor, type PredictionMonitor } from "../../src/monitor/index.js";
import { openApiKeys } from "../../src/serve/auth/index.js";
import { buildFixture, type Fixture } from "./fixture.js";
import { dashboardServer } from "./server.js";

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = resolve("test-results/dashboard");
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `${CHROMIUM} is not installed (apt-get install chromium); CI must have it` : false;
if (skip) console.log(`# skipping the dashboard end-to-end test: ${skip}`);

let fx: Fixture;
let app: FastifyInstance;
let monitor: PredictionMonitor;
let browser: Browser;
let page: Page;
let base: string;
let buildDir: string;
let tokens: { admin: string; predict: string };
const pageErrors: string[] = [];

/** Builds the dashboard from the current sources into a temporary folder (a few seconds). */
function buildAssets(outDir: string): void {
  const vite = resolve("node_modules/.bin/vite");
  const r = spawnSync(vite, ["build", "--config", "dashboard/vite.config.ts", "--outDir", outDir, "--emptyOutDir"], { encoding: "utf8" });
  assert.equal(r.status, 0, `vite build failed:\n${r.stdout}\n${r.stderr}`);
}

/** A real predict request over HTTP; the server hands it to the monitor through onPredict. */
async function predict(rows: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${base}v1/models/penguins/predict`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tokens.predict}` }, body: JSON.stringify({ rows }),
  });
  assert.equal(res.status, 200, await res.text());
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function aliasInRegistry(): Promise<number | undefined> {
  return (await fx.registry.getModel("penguins")).aliases.production;
}

describe("dashboard in Chromium", { skip }, () => {
  before(async () => {
    buildDir = await mkdtemp(join(tmpdir(), "ingot-dashboard-build-"));
    buildAssets(buildDir);
    fx = await buildFixture();
    const keys = await openApiKeys(join(fx.root, "api-keys.json"));
    tokens = { admin: (await keys.create({ name: "ops", scopes: ["admin"] })).token, predict: (await keys.create({ name: "app", scopes: ["predict"] })).token };
    monitor = createMonitor({ root: fx.root, modelDir: async (name, v) => (await fx.registry.getVersion(name, v)).path, log: () => undefined });
    app = await dashboardServer(fx, { keys, monitor, assetsDir: buildDir });
    base = `${await app.listen({ host: "127.0.0.1", port: 0 })}/`;
    // every fifth penguin: all species and islands, as live traffic would mix them
    const rows = fx.featureRows.filter((_, i) => i % 5 === 0).slice(0, 60);
    for (let i = 0; i < 3; i++) await predict(rows.slice(i * 20, i * 20 + 20));
    // then heavier penguins than training saw: body mass drifts
    for (let i = 0; i < 3; i++) await predict(rows.slice(i * 20, i * 20 + 20).map((r) => ({ ...r, "Body Mass (g)": (r["Body Mass (g)"] as number) + 2500 })));
    await mkdir(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on("pageerror", (e) => pageErrors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await monitor?.close();
    await fx?.close();
    if (buildDir) await rm(buildDir, { recursive: true, force: true });
  });

  test("sign in: a server with keys shows no data without one; a wrong key is named; a predict key opens every page", async () => {
    await page.goto(`${base}#/runs`);
    await page.locator("form.sign-in").waitFor();
    assert.equal(await page.locator("table.runs").count(), 0);
    assert.equal(await page.locator(".error").count(), 0, "no key sent yet: no error, just the form");
    await shot("sign-in");
    await page.fill("input[name=apiKey]", "ingot_0000000000000000_" + "0".repeat(43));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForFunction('document.querySelector(".error")?.textContent?.startsWith("401")');
    await page.fill("input[name=apiKey]", tokens.predict);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("table.runs tbody tr").first().waitFor();
    assert.equal(await page.evaluate('localStorage.getItem("ingot.apiKey")'), tokens.predict);
  });

  test("runs: the table lists every run and filters by experiment and status", async () => {
    await page.goto(`${base}#/runs`);
    await page.locator("table.runs tbody tr").nth(3).waitFor();
    assert.equal(await page.locator("table.runs tbody tr").count(), 4);
    await shot("runs");
    await page.selectOption("select[name=experiment]", "penguins-sex");
    await page.waitForFunction('document.querySelectorAll("table.runs tbody tr").length === 2');
    assert.deepEqual((await page.locator("table.runs tbody tr td:nth-child(2)").allInnerTexts()).sort(), ["adam-fast", "adam-slow"]);
    await page.goto(`${base}#/runs?status=failed`);
    await page.waitForFunction('document.querySelectorAll("table.runs tbody tr").length === 1');
    assert.equal(await page.locator("table.runs tbody tr td:nth-child(2)").innerText(), "diverged");
    await shot("runs-filtered");
  });

  test("a run: curves, params, confusion matrix summing to the test set, ROC and PR", async () => {
    await page.goto(`${base}#/runs?experiment=penguins-sex`);
    await page.getByRole("link", { name: "adam-fast" }).click();
    await page.locator('[data-chart="loss"] canvas').first().waitFor({ state: "visible" });
    assert.ok(page.url().endsWith(`#/runs/${fx.runs.fast}`));
    assert.equal(await page.locator("[data-last-step]").innerText(), "last step 40");
    const params = await page.locator("table.kv").first().innerText();
    assert.match(params, /lr\s+0\.03/);
    const counts = (await page.locator("table.confusion td.cm-cell").evaluateAll((tds) => tds.map((td) => Number(td.getAttribute("data-count")))));
    assert.equal(counts.length, 4);
    assert.equal(counts.reduce((a, b) => a + b, 0), fx.testSize);
    assert.deepEqual(counts, fx.fastEvaluation.confusionMatrix!.flat());
    await page.locator('[data-chart="roc"] canvas').first().waitFor({ state: "visible" });
    await page.locator('[data-chart="pr"] canvas').first().waitFor({ state: "visible" });
    assert.match(await page.locator('[data-chart="roc"] figcaption').innerText(), new RegExp(`AUC ${String(Number(fx.fastEvaluation.roc!.auc.toPrecision(4))).replace(".", "\\.")}`));
    await shot("run");
  });

  test("a running run's curves update live, and the page notices when it ends", async () => {
    await page.goto(`${base}#/runs/${fx.runs.live}`);
    await page.locator('[data-chart="loss"] canvas').first().waitFor({ state: "visible" });
    assert.equal(await page.locator("[data-last-step]").getAttribute("data-last-step"), "2");
    assert.ok(await page.locator(".live").isVisible());
    await fx.registry.logMetrics(fx.runs.live, [3, 4, 5].map((step) => ({ key: "loss", value: 0.7 / (step + 1), step })));
    await fx.registry.logMetrics(fx.runs.live, [{ key: "val_loss", value: 0.35, step: 4 }, { key: "val_loss", value: 0.3, step: 5 }]);
    await page.waitForFunction('document.querySelector("[data-last-step]")?.dataset.lastStep === "5"');
    await page.locator('[data-chart="val_loss"] canvas').first().waitFor({ state: "visible" });
    await shot("run-live");
    await fx.registry.endRun(fx.runs.live, "finished");
    await page.locator(".run-status .badge-finished").waitFor();
    assert.equal(await page.locator(".live").isVisible(), false);
  });

  test("compare: tick two runs and see them side by side", async () => {
    await page.goto(`${base}#/runs?experiment=penguins-sex`);
    await page.locator(`input[data-run="${fx.runs.fast}"]`).check();
    await page.locator(`input[data-run="${fx.runs.slow}"]`).check();
    await page.getByRole("button", { name: /Compare selected/ }).click();
    await page.locator("table.compare").first().waitFor();
    assert.match(await page.locator("table.compare").first().innerText(), /lr\s+0\.03\s+0\.003/);
    // the params that differ between the runs are marked
    assert.deepEqual(await page.locator("table.compare span.differs").allInnerTexts(), ["hidden", "lr"]);
    // the best test accuracy is highlighted in its row (both when they tie)
    const accs = [(await fx.registry.getRun(fx.runs.fast)).metrics.test_accuracy, (await fx.registry.getRun(fx.runs.slow)).metrics.test_accuracy];
    const best = page.locator("table.compare").nth(1).locator("tr", { hasText: "test_accuracy" }).locator(".best");
    assert.equal(await best.count(), accs.filter((a) => a === Math.max(...accs)).length);
    await page.locator('[data-chart="loss"] canvas').first().waitFor({ state: "visible" });
    await shot("compare");
  });

  test("models: promote with an admin key moves the alias; wrong keys read as 401/403; roll back", async () => {
    await page.getByRole("link", { name: "Models", exact: true }).click();
    await page.locator("table.models tbody tr").first().waitFor();
    assert.match(await page.locator("table.models tbody tr").innerText(), /penguins\s+2\s+2\s+production → v1/);
    await shot("models");
    await page.locator("table.models").getByRole("link", { name: "penguins" }).click();
    await page.locator('[data-alias="production"]').waitFor();
    assert.equal(await page.locator('[data-alias="production"]').innerText(), "v1");
    assert.match(await page.locator("table.versions").innerText(), /adam-slow[\s\S]*smaller, slower learner/);

    const promote2 = page.locator('button[data-action="promote"][data-version="2"]');
    await page.fill("input[name=adminKey]", "");
    await promote2.click();
    assert.match(await page.locator(".error").innerText(), /^401 not signed in: missing API key/);
    await page.fill("input[name=adminKey]", tokens.predict);
    await promote2.click();
    await page.waitForFunction('document.querySelector(".error")?.textContent?.startsWith("403")');
    assert.match(await page.locator(".error").innerText(), /403 not allowed: API key "app" lacks the scope "admin"/);
    await shot("model-forbidden");
    assert.equal(await aliasInRegistry(), 1);

    await page.fill("input[name=adminKey]", tokens.admin);
    await promote2.click();
    await page.locator(".ok").waitFor();
    assert.match(await page.locator(".ok").innerText(), /production now points to version 2 \(was 1\)/);
    assert.equal(await page.locator('[data-alias="production"]').innerText(), "v2");
    assert.equal(await aliasInRegistry(), 2);
    await shot("model-promoted");

    await page.locator('button[data-action="rollback"]').click();
    await page.waitForFunction(`document.querySelector('[data-alias="production"]')?.textContent === "v1"`);
    assert.equal(await aliasInRegistry(), 1);
    assert.equal(await page.evaluate('localStorage.getItem("ingot.adminKey")'), tokens.admin, "the key is kept for next time");
    await shot("model-rolled-back");
  });

  test("data: the penguins profile with per-column stats and histograms", async () => {
    await page.getByRole("link", { name: "Data", exact: true }).click();
    await page.locator("table.datasets").getByRole("link", { name: "penguins" }).click();
    await page.locator("table.profile tbody tr").first().waitFor();
    assert.equal(await page.locator("table.profile tbody tr").count(), 7);
    assert.match(await page.locator("table.profile").innerText(), /Body Mass \(g\)\s+number\s+2 \(0\.5814%\)/);
    assert.equal(await page.locator("figure.hist canvas").count(), 4);
    assert.match(await page.locator("table.balance").innerText(), /Adelie\s+152/);
    await shot("data");
  });

  test("monitor: latency and throughput charts, and the drift table flags body mass", async () => {
    await page.getByRole("link", { name: "Monitor", exact: true }).click();
    await page.getByRole("link", { name: "penguins" }).click();
    await page.locator("table.drift").waitFor();
    assert.match(await page.locator(".stats").innerText(), /6\s+requests/);
    assert.match(await page.locator("table.drift").innerText(), /Body Mass \(g\)\s+numeric[^\n]*drifted/);
    assert.match(await page.locator("table.drift").innerText(), /Species\s+categorical[^\n]*ok/);
    await page.locator('[data-chart="latency"] canvas').first().waitFor({ state: "visible" });
    await page.locator('[data-chart="throughput"] canvas').first().waitFor({ state: "visible" });
    await shot("monitor");
    assert.deepEqual(pageErrors, [], "no script errors on any page");
  });
});
