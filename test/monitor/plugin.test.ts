import assert from "node:assert/strict";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import type { AddressInfo } from "node:net";
import { createMonitor, monitorPlugin, type MonitorReport } from "../../src/monitor/index.js";
import { openApiKeys } from "../../src/serve/auth/index.js";
import { createServer, InMemoryModelSource } from "../../src/serve/index.js";
import { tempRoot } from "../serve/helpers.js";
import { BODY_MASS, saveMonitoredPenguins, scaled } from "./helpers.js";

test("a real server with the monitor as onPredict and plugin: GET /v1/monitor/:model reports drift behind API keys", async () => {
  const root = await tempRoot();
  const p = await saveMonitoredPenguins(root);
  const source = new InMemoryModelSource().addVersion("penguins", 1, p.dir).setAlias("penguins", "production", 1);
  const keys = await openApiKeys(join(root, "api-keys.json"));
  const { token } = await keys.create({ name: "dashboard", scopes: ["predict"] });
  const lines: string[] = [];
  const monitor = createMonitor({ root, modelDir: async (name, version) => (await source.resolve(name, { version }))?.dir ?? null, log: (l) => lines.push(l) });
  const app = createServer({ models: source, apiKeys: keys, onPredict: monitor.observe, plugins: [monitorPlugin(monitor)] });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const auth = { authorization: `Bearer ${token}` };
  const get = async (path: string, headers: Record<string, string> = auth) => {
    const r = await fetch(base + path, { headers });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
  try {
    const rows = scaled(p.liveRows, BODY_MASS, 1.5);
    let requests = 0;
    for (let i = 0; i < rows.length; i += 20) {
      const r = await fetch(`${base}/v1/models/penguins/predict`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ rows: rows.slice(i, i + 20) }) });
      assert.equal(r.status, 200);
      requests++;
    }
    const bad = await fetch(`${base}/v1/models/penguins/predict`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ rows: [{ ...rows[0], [BODY_MASS]: "heavy" }] }) });
    assert.equal(bad.status, 400);
    requests++;

    assert.equal((await get("/v1/monitor/penguins", {})).status, 401);
    // observers run once the response is sent, so the last event may land just after the reply
    let report: MonitorReport | null = null;
    for (let tries = 0; tries < 40; tries++) {
      const r = await get("/v1/monitor/penguins?windowMs=1h");
      assert.equal(r.status, 200, JSON.stringify(r.json));
      report = r.json as unknown as MonitorReport;
      if (report.requests === requests) break;
      await sleep(50);
    }
    assert.ok(report);
    assert.equal(report.requests, requests);
    assert.equal(report.errors, 1);
    assert.equal(report.logged, rows.length + 1);
    assert.equal(report.to - report.from >= 3_600_000, true);
    assert.deepEqual(report.drift.filter((f) => f.drifted).map((f) => f.feature), [BODY_MASS]);
    assert.equal(report.predictionDrift?.drifted, true);

    const list = await get("/v1/monitor");
    assert.equal(list.status, 200);
    assert.deepEqual((list.json.models as { model: string; versions: number[]; requests: number }[]).map(({ model, versions, requests: n }) => ({ model, versions, n })), [
      { model: "penguins", versions: [1], n: requests },
    ]);
    assert.equal((await get("/v1/monitor/penguins?version=1")).json.version, 1);
    const badVersion = await get("/v1/monitor/penguins?version=abc");
    assert.equal(badVersion.status, 400);
    assert.deepEqual(badVersion.json.error, { code: "invalid_field", message: 'version: expected a positive integer, got "abc"', field: "version" });
    const badWindow = await get("/v1/monitor/penguins?windowMs=soon");
    assert.equal(badWindow.status, 400);
    assert.match(JSON.stringify(badWindow.json), /windowMs must be a positive duration such as 30m, 1h or 7d, got \\"soon\\"/);
    const unknown = await get("/v1/monitor/nope");
    assert.equal(unknown.status, 404);
    assert.match(JSON.stringify(unknown.json), /no monitoring data for model \\"nope\\"/);
    assert.deepEqual(lines, []);
  } finally {
    await app.close();
    await monitor.close();
  }
});
