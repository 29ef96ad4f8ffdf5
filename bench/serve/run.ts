/**
 * The serving benchmark: wrk against Ingot's `POST /v1/models/spam/predict` and, in the same run, against
 * the same model in PyTorch behind FastAPI + uvicorn (bench/serve/fastapi_app.py). Issue 6's target:
 * Ingot at ≥ 2× FastAPI's requests/s with a p99 latency no worse.
 *
 *   npx tsx bench/serve/run.ts                 full run: 15 s per side at 16 and 64 connections
 *   npx tsx bench/serve/run.ts --quick         about 20 s of timing: 5 s per side at 16 connections
 *   npx tsx bench/serve/run.ts --connections 16,64 --duration 15 --warmup 5 --workers 0,1
 *   npx tsx bench/serve/run.ts --cpu-prof bench/out/serve/ingot.cpuprofile   also profile Ingot's server
 *   npx tsx bench/serve/run.ts --json-out file
 *
 * Each server runs alone (the machine has 2 cores; wrk needs one): Ingot is started, warmed and timed at
 * each connection count, stopped; then FastAPI the same way. Every request is one e-mail, cycling
 * through 16 held-out SpamAssassin messages. Before any timing both servers answer the same 32 e-mails
 * and must agree on every label and on every probability within 1e-4. The last line printed is one JSON
 * object of the ratios, for scripts.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { summarizeProfile, type ProfileEntry } from "./cpu-profile.js";
import { pythonMissing, pythonVersions, ROOT, startFastApi, startIngot, type RunningServer } from "./servers.js";
import { ensureSpamModel, type SpamModelInfo } from "./spam-model.js";
import { findWrk, runWrk, type WrkResult } from "./wrk.js";

/** runServeBench options. */
export interface ServeBenchOptions {
  /** ~20 s of timing: one connection count, 5 s per side, 2 s warm-ups (default false). */
  quick?: boolean;
  /** wrk connection counts (default [16, 64]; quick [16]). */
  connections?: number[];
  /** Seconds of each timed wrk run (default 15; quick 5). */
  durationS?: number;
  /** Seconds of the discarded warm-up wrk run before each timed one (default 5; quick 2). */
  warmupS?: number;
  /** Ingot configurations to time, as inference worker-thread counts; 0 is in-thread (default [0, 1]). */
  workers?: number[];
  /** The Python with fastapi, uvicorn and torch (default $INGOT_BENCH_PYTHON or /usr/bin/python3). */
  python?: string;
  /** torch.set_num_threads in the FastAPI server (default 1: wrk needs the other core). */
  torchThreads?: number;
  /** The spam model directory (trained there on first use; default bench/out/serve/spam-model). */
  modelDir?: string;
  /** Write a CPU profile of Ingot's in-thread server during its first timed run to this file, and summarise it. */
  cpuProfile?: string;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

/** One timed wrk run. */
export interface ServeBenchRow {
  server: string;
  connections: number;
  wrk: WrkResult | null;
  error: string | null;
}

/** Ingot against FastAPI at one connection count. */
export interface ServeBenchRatio {
  ingot: string;
  connections: number;
  /** Ingot requests/s ÷ FastAPI requests/s (target ≥ 2). */
  rpsRatio: number | null;
  /** Ingot p99 ÷ FastAPI p99 (target ≤ 1). */
  p99Ratio: number | null;
  meetsTarget: boolean | null;
}

/** What runServeBench measured. */
export interface ServeBenchResult {
  rows: ServeBenchRow[];
  ratios: ServeBenchRatio[];
  /** Parts not run, with the reason. */
  skipped: string[];
  /** Largest |Ingot − FastAPI| probability over the check e-mails (null when FastAPI did not run). */
  maxProbabilityDiff: number | null;
  model: Omit<SpamModelInfo, "sampleTexts"> | null;
  profile: { file: string; busyMs: number; idlePct: number; bySelf: ProfileEntry[]; byTotal: ProfileEntry[] } | null;
  machine: { cpus: number; cpu: string; node: string; python: string | null };
  settings: { durationS: number; warmupS: number; connections: number[]; wrkThreads: 1; torchThreads: number; uvicornWorkers: 1 };
}

const PATH = "/v1/models/spam/predict";
const TOLERANCE = 1e-4;

interface PredictReply {
  predictions: { label: string; probability: number }[];
}

async function predictAll(server: RunningServer, texts: readonly string[]): Promise<PredictReply> {
  const r = await fetch(`${server.url}${PATH}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rows: texts.map((text) => ({ text })) }) });
  const body = await r.text();
  if (r.status !== 200) throw new Error(`${server.name}: POST ${PATH} answered ${r.status}: ${body.slice(0, 300)}`);
  return JSON.parse(body) as PredictReply;
}

/** Both servers must give the same labels, and probabilities within TOLERANCE, on the sample e-mails. */
function compare(a: PredictReply, b: PredictReply, n: number): number {
  if (a.predictions.length !== n || b.predictions.length !== n) throw new Error(`equivalence check: expected ${n} predictions each, got ${a.predictions.length} and ${b.predictions.length}`);
  let worst = 0;
  a.predictions.forEach((p, i) => {
    const q = b.predictions[i];
    const d = Math.abs(p.probability - q.probability);
    worst = Math.max(worst, d);
    if (p.label !== q.label || !(d <= TOLERANCE)) {
      throw new Error(`equivalence check: e-mail ${i}: Ingot says ${p.label} (${p.probability}), FastAPI says ${q.label} (${q.probability}); the two servers do not compute the same model`);
    }
  });
  return worst;
}

/** Sends SIGUSR2 to the server and waits for the line it prints when its profiler has toggled. */
async function toggleProfiler(server: RunningServer, on: boolean): Promise<void> {
  const expect = JSON.stringify({ profiling: on }).slice(0, -1);
  const seen = server.output().split(expect).length;
  process.kill(server.pid, "SIGUSR2");
  for (let i = 0; i < 300 && server.output().split(expect).length === seen; i++) await new Promise((r) => setTimeout(r, 100));
  if (server.output().split(expect).length === seen) throw new Error(`${server.name}: the profiler did not ${on ? "start" : "stop"} within 30 s`);
}

interface TimingOptions {
  wrk: string;
  bodiesFile: string;
  connections: number[];
  durationS: number;
  warmupS: number;
  log: (s: string) => void;
  /** Profile the server during the first timed run (its CPU profiler is toggled by SIGUSR2). */
  profile?: boolean;
}

async function timeServer(server: RunningServer, o: TimingOptions): Promise<ServeBenchRow[]> {
  const rows: ServeBenchRow[] = [];
  for (const [k, c] of o.connections.entries()) {
    const run = { wrk: o.wrk, url: `${server.url}${PATH}`, bodiesFile: o.bodiesFile, connections: c };
    try {
      if (o.warmupS > 0) await runWrk({ ...run, seconds: o.warmupS });
      const profiled = o.profile === true && k === 0;
      if (profiled) await toggleProfiler(server, true);
      const r = await runWrk({ ...run, seconds: o.durationS });
      if (profiled) await toggleProfiler(server, false);
      const bad = r.non2xx > 0 || r.socketErrors > 0 ? `${r.non2xx} non-2xx responses, ${r.socketErrors} socket errors` : null;
      rows.push({ server: server.name, connections: c, wrk: r, error: bad });
      o.log(`  ${server.name} c=${c}: ${r.requestsPerSec.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms${bad ? ` — ${bad}` : ""}`);
    } catch (e) {
      rows.push({ server: server.name, connections: c, wrk: null, error: (e as Error).message });
      o.log(`  ${server.name} c=${c}: FAILED ${(e as Error).message}`);
    }
  }
  return rows;
}

function parseList(s: string, what: string): number[] {
  const v = s.split(",").map((x) => Number(x.trim()));
  if (!v.length || v.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`${what}: expected comma-separated non-negative integers, got "${s}"`);
  return v;
}

/** Trains (or reuses) the spam model, checks both servers agree, then times each alone with wrk. */
export async function runServeBench(opts: ServeBenchOptions = {}): Promise<ServeBenchResult> {
  const quick = opts.quick ?? false;
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const connections = opts.connections ?? (quick ? [16] : [16, 64]);
  const durationS = opts.durationS ?? (quick ? 5 : 15);
  const warmupS = opts.warmupS ?? (quick ? 2 : 5);
  const workerCounts = opts.workers ?? [0, 1];
  const python = opts.python ?? process.env.INGOT_BENCH_PYTHON ?? "/usr/bin/python3";
  const torchThreads = opts.torchThreads ?? 1;
  const modelDir = resolve(opts.modelDir ?? join(ROOT, "bench", "out", "serve", "spam-model"));
  const result: ServeBenchResult = {
    rows: [], ratios: [], skipped: [], maxProbabilityDiff: null, model: null, profile: null,
    machine: { cpus: availableParallelism(), cpu: cpus()[0]?.model ?? "unknown", node: process.version, python: null },
    settings: { durationS, warmupS, connections, wrkThreads: 1, torchThreads, uvicornWorkers: 1 },
  };

  const wrk = findWrk();
  if (!wrk) {
    result.skipped.push("everything: wrk is not installed (Debian: apt-get install wrk)");
    log("serve bench: skipped — wrk is not installed (Debian: apt-get install wrk)");
    return result;
  }
  const pyMissing = pythonMissing(python);
  if (pyMissing) {
    result.skipped.push(`fastapi: ${pyMissing}`);
    log(`serve bench: the PyTorch side is skipped — ${pyMissing}`);
  } else {
    result.machine.python = pythonVersions(python);
  }

  log(`serve bench: model at ${modelDir}`);
  const model = await ensureSpamModel({ dir: modelDir, verbose: true });
  const { sampleTexts, ...modelFacts } = model;
  result.model = modelFacts;
  const outDir = join(ROOT, "bench", "out", "serve");
  mkdirSync(outDir, { recursive: true });
  const bodiesFile = join(outDir, "bodies.jsonl");
  writeFileSync(bodiesFile, `${sampleTexts.slice(0, 16).map((text) => JSON.stringify({ rows: [{ text }] })).join("\n")}\n`);

  // equivalence before timing: both servers up at once here only, nothing is being timed
  if (!pyMissing) {
    const ingot = await startIngot(modelDir);
    try {
      const fast = await startFastApi(python, modelDir, torchThreads);
      try {
        result.maxProbabilityDiff = compare(await predictAll(ingot, sampleTexts), await predictAll(fast, sampleTexts), sampleTexts.length);
        log(`serve bench: both servers agree on ${sampleTexts.length} e-mails (largest probability difference ${result.maxProbabilityDiff.toExponential(2)})`);
      } finally {
        await fast.stop();
      }
    } finally {
      await ingot.stop();
    }
  }

  const timing: TimingOptions = { wrk, bodiesFile, connections, durationS, warmupS, log };
  log(`serve bench: wrk -t1 -c{${connections.join(",")}} -d${durationS}s (after a ${warmupS} s warm-up), one e-mail per request, each server alone`);
  const ingotNames: string[] = [];
  for (const w of workerCounts) {
    const profile = w === 0 ? opts.cpuProfile : undefined;
    if (profile) {
      mkdirSync(dirname(profile), { recursive: true });
      rmSync(profile, { force: true });
    }
    let server: RunningServer;
    try {
      server = await startIngot(modelDir, { ...(w > 0 && { workers: w }), ...(profile !== undefined && { cpuProfile: profile }) });
    } catch (e) {
      result.skipped.push(`ingot workers=${w}: ${(e as Error).message.split("\n")[0]}`);
      log(`serve bench: ingot with workers=${w} did not start: ${(e as Error).message}`);
      continue;
    }
    if (w > 0 && server.workers !== w) {
      await server.stop();
      result.skipped.push(`ingot workers=${w}: createServer does not take a workers option yet (the model cache ran ${server.workers ?? 0} workers)`);
      log(`serve bench: ingot workers=${w} skipped — createServer does not pass workers to its model cache yet`);
      continue;
    }
    try {
      result.rows.push(...(await timeServer(server, { ...timing, profile: profile !== undefined })));
      ingotNames.push(server.name);
    } finally {
      await server.stop();
    }
    if (profile) {
      if (existsSync(profile)) result.profile = { file: profile, ...summarizeProfile(profile, ROOT) };
      else result.skipped.push(`cpu profile: the server wrote no profile to ${profile}`);
    }
  }

  if (!pyMissing) {
    const fast = await startFastApi(python, modelDir, torchThreads);
    try {
      result.rows.push(...(await timeServer(fast, timing)));
    } finally {
      await fast.stop();
    }
    for (const name of ingotNames) {
      for (const c of connections) {
        const a = result.rows.find((r) => r.server === name && r.connections === c);
        const b = result.rows.find((r) => r.server === fast.name && r.connections === c);
        const ok = a?.wrk && b?.wrk && !a.error && !b.error;
        const rpsRatio = ok ? a.wrk!.requestsPerSec / b.wrk!.requestsPerSec : null;
        const p99Ratio = ok ? a.wrk!.p99Ms / b.wrk!.p99Ms : null;
        result.ratios.push({ ingot: name, connections: c, rpsRatio, p99Ratio, meetsTarget: rpsRatio === null || p99Ratio === null ? null : rpsRatio >= 2 && p99Ratio <= 1 });
      }
    }
  }
  return result;
}

const fmt = (v: number | null | undefined, d = 2): string => (v === null || v === undefined ? "n/a" : v.toFixed(d));

/** The results as a text table, the ratios, and the profile summary. */
export function formatServeBench(r: ServeBenchResult): string {
  const lines: string[] = [];
  const head = ["server", "conns", "req/s", "p50 ms", "p90 ms", "p99 ms", "requests", "non-2xx", "errors"];
  const body = r.rows.map((x) => [
    x.server, String(x.connections), fmt(x.wrk?.requestsPerSec, 0), fmt(x.wrk?.p50Ms), fmt(x.wrk?.p90Ms), fmt(x.wrk?.p99Ms),
    String(x.wrk?.requests ?? "n/a"), String(x.wrk?.non2xx ?? "n/a"), x.error ? "yes" : "0",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const row = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  lines.push(row(head), ...body.map(row));
  for (const x of r.rows) if (x.error) lines.push(`  ${x.server} c=${x.connections}: ${x.error}`);
  if (r.ratios.length) {
    lines.push("", "ratios vs fastapi+torch (target: req/s ratio ≥ 2, p99 ratio ≤ 1)");
    for (const q of r.ratios) lines.push(`  ${q.ingot.padEnd(18)} c=${String(q.connections).padEnd(4)} req/s ×${fmt(q.rpsRatio)}  p99 ×${fmt(q.p99Ratio)}  ${q.meetsTarget === null ? "n/a" : q.meetsTarget ? "meets target" : "below target"}`);
  }
  for (const s of r.skipped) lines.push(`skipped: ${s}`);
  if (r.profile) {
    lines.push("", `Ingot server CPU profile (${r.profile.file}; ${fmt(r.profile.busyMs / 1000, 1)} s busy, ${fmt(r.profile.idlePct, 0)}% idle), top by self time:`);
    for (const e of r.profile.bySelf.slice(0, 12)) lines.push(`  ${fmt(e.selfPct, 1).padStart(5)}% self ${fmt(e.totalPct, 1).padStart(5)}% total  ${e.where}`);
    lines.push("top by total time:");
    for (const e of r.profile.byTotal.slice(0, 15)) lines.push(`  ${fmt(e.totalPct, 1).padStart(5)}% total  ${e.where}`);
  }
  return lines.join("\n");
}

/** The last line: ratios keyed "<ingot config>@c<connections>" (null where a side did not run). */
export function summaryLine(r: ServeBenchResult): Record<string, unknown> {
  const key = (q: ServeBenchRatio): string => `${q.ingot.replace(/[^a-z0-9]+/gi, "_").replace(/_$/, "")}@c${q.connections}`;
  return {
    serve_rps_ratio: Object.fromEntries(r.ratios.map((q) => [key(q), q.rpsRatio])),
    serve_p99_ratio: Object.fromEntries(r.ratios.map((q) => [key(q), q.p99Ratio])),
    meets_target: r.ratios.length ? r.ratios.some((q) => q.meetsTarget === true) : null,
    skipped: r.skipped,
  };
}

function parseCli(argv: string[]): ServeBenchOptions & { jsonOut?: string } {
  const o: ServeBenchOptions & { jsonOut?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") o.quick = true;
    else if (a === "--connections") o.connections = parseList(next(), a).filter((c) => c > 0);
    else if (a === "--duration") o.durationS = Number(next());
    else if (a === "--warmup") o.warmupS = Number(next());
    else if (a === "--workers") o.workers = parseList(next(), a);
    else if (a === "--python") o.python = next();
    else if (a === "--torch-threads") o.torchThreads = Number(next());
    else if (a === "--model-dir") o.modelDir = next();
    else if (a === "--cpu-prof") o.cpuProfile = resolve(next());
    else if (a === "--json-out") o.jsonOut = next();
    else throw new Error(`unknown option ${a} (see the header of bench/serve/run.ts)`);
  }
  for (const [k, v] of [["--duration", o.durationS], ["--warmup", o.warmupS], ["--torch-threads", o.torchThreads]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new Error(`${k}: expected a non-negative number, got ${v}`);
  }
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  let cli: ReturnType<typeof parseCli>;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`serve bench: ${(e as Error).message}\n`);
    process.exit(2);
  }
  try {
    const r = await runServeBench(cli);
    console.log(formatServeBench(r));
    const out = join(ROOT, "bench", "out", "serve");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "latest.json"), `${JSON.stringify(r, null, 2)}\n`);
    if (cli.jsonOut) writeFileSync(cli.jsonOut, `${JSON.stringify(r, null, 2)}\n`);
    console.log(JSON.stringify(summaryLine(r)));
  } catch (e) {
    process.stderr.write(`serve bench: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
