// `ingot runs list|show|compare`: the tracked training runs, as tables or JSON. Also the registry options
// (--root, INGOT_HOME) the other registry commands share.
import type { Command } from "commander";
import { openRegistry, type Registry, type Run, type RunCondition, type RunStatus } from "../registry/index.js";

/** The registry folder: --root, else $INGOT_HOME, else .ingot in the current directory. */
export function registryRoot(opts: { root?: string }): string {
  return opts.root ?? process.env.INGOT_HOME ?? ".ingot";
}

/** Adds --root and --json to a registry command. */
export function registryOptions(cmd: Command): Command {
  return cmd.option("--root <dir>", "registry folder (default: $INGOT_HOME or .ingot)").option("--json", "print JSON");
}

/** Opens the registry for one command and closes it afterwards, whatever happens. */
export async function withRegistry<T>(opts: { root?: string }, fn: (registry: Registry) => Promise<T>): Promise<T> {
  const registry = openRegistry({ root: registryRoot(opts) });
  try {
    return await fn(registry);
  } finally {
    await registry.close();
  }
}

/** Parses a positive integer option or argument, naming it in the error. */
export function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got "${v}"`);
  return n;
}

/** Rows of cells as aligned columns, the first row a header. */
export function formatColumns(rows: string[][]): string {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => (r[j] ?? "").length)));
  return rows.map((r) => r.map((c, j) => c.padEnd(widths[j])).join("  ").trimEnd()).join("\n");
}

/** A number short enough for a table cell. */
export function short(v: number | null | undefined): string {
  if (v === null || v === undefined) return "-";
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

const STATUSES: readonly RunStatus[] = ["running", "finished", "failed", "killed"];

/** The held-out metrics shown in listings, when a run has them. */
const HEADLINE = ["test.f1", "test.accuracy", "test.rocAuc", "test.r2", "test.mse"];

function when(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

function duration(run: Run): string {
  return run.endTime === null ? "-" : `${((run.endTime - run.startTime) / 1000).toFixed(1)}s`;
}

function listTable(runs: Run[]): string {
  const keys = HEADLINE.filter((k) => runs.some((r) => k in r.metrics));
  const rows = [["id", "experiment", "status", "started", "duration", ...keys]];
  for (const r of runs) rows.push([r.id, r.experiment, r.status, when(r.startTime), duration(r), ...keys.map((k) => short(r.metrics[k]))]);
  return formatColumns(rows);
}

/** Registers `ingot runs list|show|compare`. */
export function registerRuns(program: Command): void {
  const runs = program.command("runs").description("training runs: list, show and compare (params, metrics, artifacts)");

  registryOptions(runs.command("list").description("list runs, newest first"))
    .option("--experiment <name>", "only runs of this experiment")
    .option("--status <status>", `only runs with this status (${STATUSES.join(", ")})`)
    .option("--limit <n>", "at most n runs", "50")
    .action(async (opts: { root?: string; json?: boolean; experiment?: string; status?: string; limit: string }) => {
      const limit = positiveInt(opts.limit, "--limit");
      if (opts.status !== undefined && !STATUSES.includes(opts.status as RunStatus)) throw new Error(`--status must be one of ${STATUSES.join(", ")}, got "${opts.status}"`);
      const where: RunCondition[] = opts.status ? [{ on: { attribute: "status" }, op: "=", value: opts.status }] : [];
      const list = await withRegistry(opts, async (r) => {
        if (opts.experiment !== undefined) await r.getExperiment(opts.experiment); // an unknown name is a mistake, not "no runs"
        return r.listRuns({ experiment: opts.experiment, where, limit });
      });
      if (opts.json) return void console.log(JSON.stringify(list));
      console.log(list.length ? listTable(list) : "no runs");
    });

  registryOptions(runs.command("show <runId>").description("show a run: status, params, metrics, tags, artifacts")).action(async (id: string, opts: { root?: string; json?: boolean }) => {
    const run = await withRegistry(opts, (r) => r.getRun(id));
    if (opts.json) return void console.log(JSON.stringify(run));
    const lines = [
      `run ${run.id}  (${run.name ?? "unnamed"})`,
      `experiment  ${run.experiment}`,
      `status      ${run.status}`,
      `started     ${when(run.startTime)}   duration ${duration(run)}`,
      `data        ${run.dataFingerprint ?? "-"}`,
      `environment ${Object.entries(run.environment).map(([k, v]) => `${k}=${v}`).join(" ")}`,
    ];
    const section = (title: string, entries: [string, string][]): void => {
      if (!entries.length) return;
      lines.push("", title, ...entries.map(([k, v]) => `  ${k.padEnd(Math.max(...entries.map(([x]) => x.length)))}  ${v}`));
    };
    section("params", Object.entries(run.params));
    section("metrics (last value)", Object.entries(run.metrics).map(([k, v]) => [k, short(v)]));
    section("tags", Object.entries(run.tags));
    section("artifacts", run.artifacts.map((a) => [a.name, `${a.size} bytes`]));
    console.log(lines.join("\n"));
  });

  registryOptions(runs.command("compare <runIds...>").description("compare runs side by side: one row per param and metric")).action(async (ids: string[], opts: { root?: string; json?: boolean }) => {
    if (ids.length < 2) throw new Error("compare needs at least two run ids");
    const cmp = await withRegistry(opts, (r) => r.compareRuns(ids));
    if (opts.json) return void console.log(JSON.stringify(cmp));
    const rows = [["", ...cmp.runs.map((r) => r.id.slice(0, 8))]];
    for (const [k, vs] of Object.entries(cmp.params)) if (new Set(vs).size > 1) rows.push([`param ${k}`, ...vs.map((v) => v ?? "-")]);
    for (const [k, vs] of Object.entries(cmp.metrics)) rows.push([`metric ${k}`, ...vs.map(short)]);
    console.log(formatColumns(rows));
    const same = Object.values(cmp.params).filter((vs) => new Set(vs).size === 1).length;
    if (same) console.log(`(${same} params equal in every run not shown)`);
  });
}
