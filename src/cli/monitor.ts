// `ingot monitor [model]`: how a served model is doing — traffic, errors, latency, objectives, input
// and prediction drift, alerts — read from `<root>/monitor.db`, which a running server may be writing.
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { DEFAULT_THRESHOLDS } from "../monitor/drift.js";
import { formatDuration, parseDuration } from "../monitor/duration.js";
import { formatReport } from "../monitor/format.js";
import { MONITOR_DB, openMonitorStore, type MonitoredModel } from "../monitor/monitor-store.js";
import { SETTINGS_KEY, type MonitorSettings } from "../monitor/monitor.js";
import { loadDriftReference } from "../monitor/reference.js";
import { buildReport, reportWindow } from "../monitor/report.js";
import { openRegistry } from "../registry/registry.js";

interface MonitorFlags {
  version?: string;
  window: string;
  root: string;
  json?: boolean;
}

function parseVersion(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--version must be a positive integer, got "${text}"`);
  return n;
}

function formatModels(models: MonitoredModel[]): string {
  if (models.length === 0) return "no model has served predictions yet";
  const rows = models.map((m) => [m.model, m.versions.join(",") || "–", String(m.requests), new Date(m.lastSeen).toISOString().replace(/:\d{2}\.\d{3}Z$/, "Z")]);
  const header = ["model", "versions", "requests", "last minute"];
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]): string => r.map((s, j) => s.padEnd(widths[j])).join("  ").trimEnd();
  return [line(header), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Registers `ingot monitor`. */
export function registerMonitor(program: Command): void {
  program
    .command("monitor")
    .description("report on a served model: requests, errors, latency, objectives, drift and alerts (no model: list monitored models)")
    .argument("[model]", "the model's registered name")
    .option("--version <n>", "one version (default: every version in the window, drift against the latest)")
    .option("--window <duration>", "how far back, e.g. 30m, 1h, 7d", "1h")
    .option("--root <dir>", "the registry root holding monitor.db", ".ingot")
    .option("--json", "print the report as JSON")
    .action(async (model: string | undefined, flags: MonitorFlags) => {
      const root = resolve(flags.root);
      const windowMs = parseDuration(flags.window, "--window");
      const version = parseVersion(flags.version);
      const store = openMonitorStore(join(root, MONITOR_DB), { readonly: true });
      try {
        const models = store.models();
        if (model === undefined) {
          console.log(flags.json ? JSON.stringify(models, null, 2) : formatModels(models));
          return;
        }
        if (!models.some((m) => m.model === model)) throw new Error(`no monitoring data for model "${model}" in ${store.file}`);
        const { from, to } = reportWindow({ windowMs, version });
        const refVersion = version ?? store.latestVersion(model, from, to);
        let reference = null;
        if (refVersion !== null) {
          const registry = openRegistry({ root });
          try {
            reference = await loadDriftReference(registry.versionPath(model, refVersion));
          } finally {
            await registry.close();
          }
        }
        // judge by what the serving monitor was configured with, so the CLI and the alerts agree
        const settings = store.getMeta<MonitorSettings>(SETTINGS_KEY) ?? { thresholds: DEFAULT_THRESHOLDS, objectives: {} };
        const report = buildReport(store, model, { version, windowMs, now: to }, reference, settings);
        if (flags.json) console.log(JSON.stringify(report, null, 2));
        else {
          console.log(formatReport(report, { windowMs }));
          if (report.requests === 0) console.log(`\nno requests in the last ${formatDuration(windowMs)}; try a longer --window`);
        }
      } finally {
        store.close();
      }
    });
}
