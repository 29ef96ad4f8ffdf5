import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import { createMonitor, type AlertPayload } from "../../src/monitor/index.js";
import { tempRoot } from "../serve/helpers.js";
import { BODY_MASS, predictEvents, saveMonitoredPenguins, scaled, webhookReceiver } from "./helpers.js";

test("end to end: in-distribution traffic shows no drift; Body Mass × 1.5 drifts, alerts once (log + webhook), then recovers", async () => {
  const root = await tempRoot();
  const p = await saveMonitoredPenguins(root);
  const hook = await webhookReceiver();
  const lines: string[] = [];
  // the log keeps exactly one batch of live rows, so each phase is judged on its own rows
  const monitor = createMonitor({
    root, modelDir: async (name, version) => (name === "penguins" && version === 1 ? p.dir : null),
    maxRows: p.liveRows.length, webhookUrl: hook.url, log: (l) => lines.push(l),
  });
  try {
    const normal = predictEvents(p, "penguins", p.liveRows);
    for (const e of normal) monitor.observe(e);
    assert.deepEqual(await monitor.checkDrift(), []);
    let r = await monitor.report("penguins");
    assert.equal(r.requests, normal.length);
    assert.equal(r.logged, p.liveRows.length);
    assert.deepEqual(r.drift.map((f) => f.feature).sort(), ["Beak Depth (mm)", "Beak Length (mm)", BODY_MASS, "Flipper Length (mm)", "Island", "Sex", "Species"]);
    for (const f of r.drift) {
      assert.equal(f.drifted, false, JSON.stringify(f));
      assert.ok(f.psi < 0.2, JSON.stringify(f));
      if (f.kind === "numeric") assert.ok(f.pValue! > 0.01, JSON.stringify(f));
      else assert.equal(f.ks, null);
    }
    assert.equal(r.predictionDrift?.drifted, false);
    assert.equal(lines.length, 0, lines.join("\n"));

    const shifted = predictEvents(p, "penguins", scaled(p.liveRows, BODY_MASS, 1.5));
    for (const e of shifted) monitor.observe(e);
    r = await monitor.report("penguins", { version: 1 });
    assert.equal(r.requests, normal.length + shifted.length);
    assert.deepEqual(r.drift.filter((f) => f.drifted).map((f) => f.feature), [BODY_MASS]);
    const mass = r.drift.find((f) => f.feature === BODY_MASS)!;
    assert.ok(mass.psi > 0.2 && mass.pValue! < 0.01, JSON.stringify(mass));

    const alerts = await monitor.checkDrift();
    const keys = alerts.map((a) => a.key);
    assert.ok(keys.includes(`input:${BODY_MASS}`), keys.join());
    assert.ok(keys.every((k) => k === `input:${BODY_MASS}` || k === "prediction"), keys.join());
    const alertLines = lines.filter((l) => l.startsWith("ingot monitor: ALERT"));
    assert.equal(alertLines.length, alerts.length);
    assert.match(alertLines.find((l) => l.includes(BODY_MASS))!, /model "penguins" v1: input "Body Mass \(g\)" drifted over \d+ rows: PSI \d+\.\d+ \(threshold 0\.2\), KS \d\.\d+ p=/);
    assert.equal(hook.bodies.length, alerts.length);
    const posted = hook.bodies.map((b) => b as { method: string; contentType: string; body: AlertPayload });
    assert.ok(posted.every((b) => b.method === "POST" && b.contentType === "application/json"));
    const massHook = posted.find((b) => b.body.key === `input:${BODY_MASS}`)!.body;
    assert.equal(massHook.type, "ingot.monitor.alert");
    assert.equal(massHook.model, "penguins");
    assert.equal(massHook.version, 1);
    assert.equal((massHook.detail as { psi: number }).psi, mass.psi);

    // still drifted: no second alert, no second webhook call
    assert.deepEqual(await monitor.checkDrift(), []);
    assert.equal(hook.bodies.length, alerts.length);
    r = await monitor.report("penguins");
    assert.deepEqual(r.alerts.map((a) => a.key), keys);
    assert.ok(r.alerts.every((a) => a.resolvedAt === null));

    // in-distribution traffic again: the alert recovers, and a later shift alerts anew
    for (const e of predictEvents(p, "penguins", p.liveRows)) monitor.observe(e);
    assert.deepEqual(await monitor.checkDrift(), []);
    assert.ok(lines.some((l) => l === `ingot monitor: recovered: model "penguins" v1: input:${BODY_MASS}`), lines.join("\n"));
    r = await monitor.report("penguins");
    assert.ok(r.alerts.every((a) => typeof a.resolvedAt === "number"));
    for (const e of predictEvents(p, "penguins", scaled(p.liveRows, BODY_MASS, 1.5))) monitor.observe(e);
    assert.ok((await monitor.checkDrift()).some((a) => a.key === `input:${BODY_MASS}`));
    assert.equal(hook.bodies.length, alerts.length * 2);
  } finally {
    await monitor.close();
    await hook.close();
  }
});

test("objectives are checked from every request and alert when missed; a failing webhook is logged, not thrown", async () => {
  const root = await tempRoot();
  const p = await saveMonitoredPenguins(root);
  const lines: string[] = [];
  const monitor = createMonitor({
    root, modelDir: async () => p.dir, sampleRate: 0, objectives: { latencyP99Ms: 50, errorRate: 0.05 },
    webhookUrl: "http://127.0.0.1:9/unreachable", log: (l) => lines.push(l),
  });
  try {
    const events = predictEvents(p, "penguins", p.liveRows);
    for (const e of events) monitor.observe(e);
    for (let i = 0; i < 5; i++) monitor.observe({ ...events[0], latencyMs: 400, predictions: null, error: { status: 500, code: "internal" } });
    const r = await monitor.report("penguins");
    assert.equal(r.logged, 0);
    assert.equal(r.errors, 5);
    const byName = Object.fromEntries(r.objectives.map((o) => [o.name, o]));
    assert.equal(byName.errorRate.actual, 5 / (events.length + 5));
    assert.equal(byName.errorRate.met, false);
    assert.equal(byName.latencyP99Ms.met, false); // 5 of ~28 requests took 400 ms
    // nothing logged means no drift figures, and no drift alerts
    assert.ok(r.drift.every((f) => f.count === 0 && !f.drifted));
    const alerts = await monitor.checkDrift();
    assert.deepEqual(alerts.map((a) => a.key).sort(), ["objective:errorRate", "objective:latencyP99Ms"]);
    assert.equal(lines.filter((l) => l.includes("webhook http://127.0.0.1:9/unreachable failed")).length, 2);
  } finally {
    await monitor.close();
  }
});

test("with checkEveryMs the monitor checks by itself on an unref'd timer", async () => {
  const root = await tempRoot();
  const p = await saveMonitoredPenguins(root);
  const lines: string[] = [];
  const monitor = createMonitor({ root, modelDir: async () => p.dir, checkEveryMs: 100, log: (l) => lines.push(l) });
  try {
    for (const e of predictEvents(p, "penguins", scaled(p.liveRows, BODY_MASS, 1.5))) monitor.observe(e);
    for (let i = 0; i < 100 && !lines.some((l) => l.includes(`input "${BODY_MASS}" drifted`)); i++) await sleep(50);
    assert.equal(lines.filter((l) => l.includes(`input "${BODY_MASS}" drifted`)).length, 1, lines.join("\n"));
    await sleep(300); // several more checks: still one alert
    assert.equal(lines.filter((l) => l.includes(`input "${BODY_MASS}" drifted`)).length, 1, lines.join("\n"));
  } finally {
    await monitor.close();
  }
});

test("createMonitor rejects bad options by name", async () => {
  const root = await tempRoot();
  const modelDir = async () => null;
  assert.throws(() => createMonitor({ root, modelDir, thresholds: { ksPValue: 2 } }), /thresholds.ksPValue must be in \(0, 1\), got 2/);
  assert.throws(() => createMonitor({ root, modelDir, maxRows: 0 }), /maxRows must be a positive integer, got 0/);
  const m = createMonitor({ root, modelDir });
  await assert.rejects(m.report("x", { windowMs: -5 }), /window must be a positive number of milliseconds, got -5/);
  await m.close();
});
