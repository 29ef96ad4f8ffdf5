import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { test } from "node:test";
import { createMonitor, type MonitorReport } from "../../src/monitor/index.js";
import { openRegistry } from "../../src/registry/index.js";
import { tempRoot } from "../serve/helpers.js";
import { BODY_MASS, predictEvents, saveMonitoredPenguins, scaled } from "../monitor/helpers.js";

const repo = resolve(import.meta.dirname, "../..");

function ingot(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const code = `const { run } = await import(${JSON.stringify(resolve(repo, "src/cli/main.ts"))}); process.exitCode = await run(["node", "ingot", ...${JSON.stringify(args)}]);`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: repo, encoding: "utf8", env: { ...process.env, INGOT_QUIET: "1" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("ingot monitor reads a served model's report from another process, with drift against the registered version's reference", async () => {
  const root = await tempRoot();
  const work = await tempRoot();
  const p = await saveMonitoredPenguins(work);
  const registry = openRegistry({ root });
  const v = await registry.registerModel("penguins", { modelDir: p.dir });
  const lines: string[] = [];
  const monitor = createMonitor({
    root, modelDir: async (name, version) => registry.versionPath(name, version), objectives: { latencyP99Ms: 100, errorRate: 0.01 }, log: (l) => lines.push(l),
  });
  const events = predictEvents(p, "penguins", scaled(p.liveRows, BODY_MASS, 1.5));
  for (const e of events) monitor.observe(e);
  const alerts = await monitor.checkDrift();
  assert.ok(alerts.some((a) => a.key === `input:${BODY_MASS}`));

  try {
    // the server's monitor still has the database open for writing while the CLI reads it
    let r = ingot("monitor", "penguins", "--root", root);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^model "penguins", all versions, last 1h: \S+Z → \S+Z\n/);
    assert.match(r.stdout, new RegExp(`requests ${events.length}\\s+errors 0 \\(0%\\)\\s+logged rows ${p.liveRows.length}`));
    assert.match(r.stdout, /latency\s+p50 [\d.]+ ms\s+p90 [\d.]+ ms\s+p99 [\d.]+ ms\s+mean [\d.]+ ms/);
    assert.match(r.stdout, /met\s+latencyP99Ms: [\d.]+ ms \(target ≤ 100 ms\)/);
    assert.match(r.stdout, /met\s+errorRate: 0% \(target ≤ 1%\)/);
    const driftLine = r.stdout.split("\n").find((l) => l.trim().startsWith(BODY_MASS))!;
    assert.match(driftLine, new RegExp(`numeric\\s+${p.liveRows.length}\\s+\\d+\\.\\d{3}\\s+0\\.\\d{3}\\s+\\d\\.\\de-\\d+\\s+DRIFT$`));
    assert.match(r.stdout.split("\n").find((l) => l.trim().startsWith("Flipper Length (mm)"))!, /ok$/);
    assert.match(r.stdout, /alerts\n\s+\S+Z\s+model "penguins" v1: input "Body Mass \(g\)" drifted/);

    r = ingot("monitor", "penguins", "--root", root, "--json", "--version", String(v.version), "--window", "30m");
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as MonitorReport;
    assert.equal(report.version, 1);
    assert.equal(report.requests, events.length);
    assert.deepEqual(report.drift.filter((f) => f.drifted).map((f) => f.feature), [BODY_MASS]);
    assert.equal(report.predictionDrift?.drifted, true);
    assert.ok(report.to - report.from >= 30 * 60_000 && report.to - report.from < 31 * 60_000);
    assert.deepEqual(report, { ...(await monitor.report("penguins", { version: 1, windowMs: 30 * 60_000 })), from: report.from, to: report.to });
  } finally {
    await monitor.close();
    await registry.close();
  }

  // after the server stopped, and listing every monitored model
  let r = ingot("monitor", "--root", root);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^penguins\\s+1\\s+${events.length}\\s`, "m"));
  r = ingot("monitor", "nope", "--root", root);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^ingot: no monitoring data for model "nope" in .*monitor\.db\n$/);
  r = ingot("monitor", "penguins", "--root", root, "--window", "soon");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^ingot: --window must be a positive duration such as 30m, 1h or 7d, got "soon"\n$/);
  r = ingot("monitor", "penguins", "--root", work);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^ingot: no monitoring data at .*monitor\.db: serve the model with monitoring on first\n$/);
  assert.deepEqual(lines.filter((l) => !l.startsWith("ingot monitor: ALERT")), []);
});
