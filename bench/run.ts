/**
 * Ingot vs PyTorch benchmark suite.
 *
 *   npm run bench                       full run
 *   npm run bench -- --quick            fewer iterations (all workloads, under a minute with the native backend)
 *   npm run bench -- --only a,b         just these workloads ("serve" = the wrk HTTP bench vs FastAPI)
 *   npm run bench -- --json-out file    also write the full results there
 *   npm run bench -- --check            verify both sides compute the same thing (tiny sizes)
 *   npm run bench -- --backend js       force Ingot's host backend (sets INGOT_BACKEND for the workers)
 *
 * Every workload runs in a fresh child process per side (bench/ingot-worker.ts, bench/torch_worker.py),
 * one after the other so they never share the cores. The last line printed is one JSON object mapping
 * each workload to ingot_time / torch_time (null where PyTorch is absent or a side failed).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { checkWorkload, GRAD_RTOL, LOSS_RTOL, type CheckResult } from "./check.js";
import { BENCH_DIR, benchThreads, childEnv, findPython, INGOT_WORKER, runChild, TORCH_WORKER, type PythonInfo } from "./proc.js";
import { median } from "./harness.js";
import { formatServeBench, runServeBench, summaryLine } from "./serve/run.js";
import { WORKLOADS, type Config, type WorkloadDef } from "./workloads/index.js";

interface Options {
  quick: boolean;
  check: boolean;
  only: string[] | null;
  jsonOut: string | null;
}

interface WorkerLine {
  workload: string;
  impl: string;
  backend: string;
  threads: number | null;
  config: Config;
  iters: number;
  median_ms: number;
  min_ms: number;
  mean_ms: number;
  warmup_ms: number;
  setup_ms: number;
  peak_rss_mb: number;
}

interface SideResult {
  result: WorkerLine | null;
  error: string | null;
  wallMs: number;
  /**
   * When the child was killed at its timeout: the median of the iterations it finished ("timed"), of
   * its warm-up iterations only ("warmup": includes one-time costs), or nothing ("none": then the
   * iteration took longer than `boundMs`, the time the child ran).
   */
  partial?: { kind: "timed" | "warmup" | "none"; ms: number; iters: number };
}

interface IterEvent {
  event: "iter";
  phase: "warmup" | "timed";
  ms: number;
}

function isIter(x: unknown): x is IterEvent {
  return typeof x === "object" && x !== null && (x as { event?: unknown }).event === "iter";
}

interface Row {
  workload: string;
  description: string;
  target: number;
  config: Config;
  ingot: SideResult;
  torch: SideResult | null;
  ratio: number | null;
  rssRatio: number | null;
  gflops: number | null;
  meetsTarget: boolean | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, check: false, only: null, jsonOut: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") o.quick = true;
    else if (a === "--check") o.check = true;
    else if (a === "--only") o.only = (argv[++i] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    else if (a.startsWith("--only=")) o.only = a.slice(7).split(",").map((s) => s.trim()).filter(Boolean);
    else if (a === "--json-out") o.jsonOut = argv[++i] ?? null;
    else if (a === "--backend") process.env.INGOT_BACKEND = argv[++i] ?? "";
    else if (a.startsWith("--json-out=")) o.jsonOut = a.slice(11);
    else if (a === "--help" || a === "-h") {
      process.stdout.write("usage: npm run bench -- [--quick] [--check] [--only name1,name2] [--json-out file] [--backend js|cpu]\n");
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return o;
}

function selected(o: Options): WorkloadDef[] {
  if (!o.only) return [...WORKLOADS];
  const unknown = o.only.filter((n) => n !== "serve" && !WORKLOADS.some((w) => w.name === n));
  if (unknown.length) throw new Error(`--only: unknown workload(s) ${unknown.join(", ")} (known: ${WORKLOADS.map((w) => w.name).join(", ")}, serve)`);
  return WORKLOADS.filter((w) => o.only?.includes(w.name));
}

/** Iterations, warm-up, time budget per side and the hard per-child timeout. */
function plan(w: WorkloadDef, quick: boolean): { iters: number; warmup: number; budgetMs: number; minIters: number; timeoutMs: number; rounds: number } {
  // Both sides get the same warm-up: enough steps for V8's optimising compiler to reach steady state on
  // the sub-millisecond workloads (a real training run is thousands of steps), a few for the rest.
  const warmup: Record<string, number> = { mlp_step: quick ? 50 : 200, sgemm_256: 20, sgemm_512: 10 };
  if (quick) return { iters: w.name === "mlp_step" ? 100 : 10, warmup: warmup[w.name] ?? 1, budgetMs: 400, minIters: 1, timeoutMs: 15_000, rounds: 1 };
  const iters: Record<string, number> = { mlp_step: 300, sgemm_256: 50, sgemm_512: 30, sgemm_1024: 15, sgemm_2048: 6, gpt_step: 20, lstm_step: 20 };
  return { iters: iters[w.name] ?? 30, warmup: warmup[w.name] ?? 3, budgetMs: 15_000, minIters: 3, timeoutMs: 300_000, rounds: 3 };
}

/** The side result with the lower median (a failed or missing one loses). */
function faster(a: SideResult | null, b: SideResult): SideResult {
  const ma = sideMs(a), mb = sideMs(b);
  if (a === null || ma === null) return b;
  return mb !== null && mb < ma ? b : a;
}

function runSide(cmd: string, args: string[], threads: number, timeoutMs: number): SideResult {
  const r = runChild<WorkerLine>(cmd, args, childEnv(threads), timeoutMs);
  const side: SideResult = { result: r.value, error: r.error, wallMs: r.wallMs };
  if (r.timedOut) {
    const iters = r.lines.filter(isIter);
    const timed = iters.filter((e) => e.phase === "timed").map((e) => e.ms);
    const warm = iters.filter((e) => e.phase === "warmup").map((e) => e.ms);
    if (timed.length) side.partial = { kind: "timed", ms: median(timed), iters: timed.length };
    else if (warm.length) side.partial = { kind: "warmup", ms: median(warm), iters: warm.length };
    else side.partial = { kind: "none", ms: r.wallMs, iters: 0 };
  }
  return side;
}

/** Median ms of a side: complete runs, or a killed run's finished timed iterations. */
function sideMs(s: SideResult | null): number | null {
  if (s?.result) return s.result.median_ms;
  return s?.partial?.kind === "timed" ? s.partial.ms : null;
}

function fmt(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "-";
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  if (Math.abs(x) >= 100) return x.toFixed(1);
  return x.toFixed(digits);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** --quick keeps the whole run under a minute: each child gets at most its share of what is left. */
const QUICK_DEADLINE_MS = 48_000;

function runBench(o: Options, defs: WorkloadDef[], py: PythonInfo | null, threads: number): Row[] {
  const rows: Row[] = [];
  const start = performance.now();
  let childrenLeft = defs.length * (py ? (threads > 1 ? 3 : 2) : 1);
  const timeoutFor = (p: { timeoutMs: number }): number => {
    if (!o.quick) return p.timeoutMs;
    const share = (QUICK_DEADLINE_MS - (performance.now() - start)) / childrenLeft--;
    return Math.round(Math.min(p.timeoutMs, Math.max(5000, share)));
  };
  for (const w of defs) {
    const p = plan(w, o.quick);
    const config = w.config(false);
    const common = [String(p.iters), "--warmup", String(p.warmup), "--budget-ms", String(p.budgetMs), "--min-iters", String(p.minIters), "--config", JSON.stringify(config)];
    // This machine is shared and its speed drifts by up to 2x between seconds, so the full run
    // alternates the two sides over several rounds and keeps each side's best median.
    let ingot: SideResult | null = null;
    let torch: SideResult | null = null;
    let torchThreads: number[] | null = null;
    process.stderr.write(`bench: ${w.name}`);
    for (let round = 0; round < p.rounds; round++) {
      process.stderr.write(round ? " |" : "");
      const mine = runSide(process.execPath, [...INGOT_WORKER, w.name, ...common], threads, timeoutFor(p));
      process.stderr.write(mine.result ? ` ingot ${fmt(mine.result.median_ms)} ms` : ` ingot failed (${mine.error?.split(":")[0]})`);
      ingot = faster(ingot, mine);
      if (!py) continue;
      // PyTorch on 2 cores is often faster single-threaded (its OpenMP and OpenBLAS pools spin against
      // each other): the first round times it both ways and the faster setting is the one compared, so
      // a ratio never flatters us; later rounds time only that setting, so both sides get equal samples.
      for (const t of torchThreads ?? (threads > 1 ? [threads, 1] : [threads])) {
        let theirs = runSide(py.exe, [TORCH_WORKER, w.name, ...common], t, timeoutFor(p));
        if (theirs.result && JSON.stringify(theirs.result.config) !== JSON.stringify(config)) {
          theirs = { result: null, error: `config mismatch: torch ran ${JSON.stringify(theirs.result.config)}`, wallMs: theirs.wallMs };
        }
        process.stderr.write(theirs.result ? `, torch×${t} ${fmt(theirs.result.median_ms)} ms` : `, torch×${t} failed (${theirs.error?.split(":")[0]})`);
        torch = faster(torch, theirs);
      }
      torchThreads ??= [torch?.result?.threads ?? threads];
    }
    if (!ingot) throw new Error("bench: no rounds ran");
    process.stderr.write("\n");
    const i = ingot.result;
    const t = torch?.result ?? null;
    const im = sideMs(ingot);
    const tm = sideMs(torch);
    const ratio = im !== null && tm !== null ? im / tm : null;
    rows.push({
      workload: w.name,
      description: w.description,
      target: w.target,
      config,
      ingot,
      torch,
      ratio,
      rssRatio: i && t ? i.peak_rss_mb / t.peak_rss_mb : null,
      gflops: im !== null ? w.flops(config) / (im * 1e6) : null,
      meetsTarget: ratio === null ? null : ratio <= w.target,
    });
  }
  return rows;
}

function printBench(rows: Row[]): void {
  const header = ["workload", "ingot ms", "torch ms", "torch thr", "ratio", "ingot GFLOP/s", "torch GFLOP/s", "RSS ingot MB", "RSS torch MB", "RSS ratio", "target", "ok"];
  const body = rows.map((r) => {
    const t = r.torch?.result;
    const tm = sideMs(r.torch);
    const fl = WORKLOADS.find((w) => w.name === r.workload)?.flops(r.config) ?? 0;
    const approx = r.workload.startsWith("sgemm") ? "" : "~";
    return [
      r.workload,
      msCell(r.ingot),
      r.torch ? msCell(r.torch) : "n/a",
      t ? String(t.threads ?? "-") : "-",
      r.ratio !== null ? fmt(r.ratio) + (r.ingot.partial || r.torch?.partial ? "*" : "") : boundRatio(r),
      r.gflops === null ? "-" : approx + fmt(r.gflops, 1),
      tm !== null ? approx + fmt(fl / (tm * 1e6), 1) : "-",
      fmt(r.ingot.result?.peak_rss_mb, 0),
      fmt(t?.peak_rss_mb, 0),
      fmt(r.rssRatio),
      `≤ ${r.target}`,
      r.meetsTarget === null ? "?" : r.meetsTarget ? "yes" : "NO",
    ];
  });
  process.stdout.write(table(header, body) + "\n");
  if (rows.some((r) => r.ingot.partial || r.torch?.partial)) {
    process.stdout.write("  * killed at its time limit: the median of the iterations it finished; ~: warm-up iterations only; >: not one iteration finished in that time\n");
  }
  for (const r of rows) {
    if (r.ingot.error) process.stdout.write(`  ${r.workload}: ingot ${r.ingot.error}\n`);
    if (r.torch?.error) process.stdout.write(`  ${r.workload}: torch ${r.torch.error}\n`);
  }
}

function msCell(s: SideResult): string {
  if (s.result) return fmt(s.result.median_ms);
  const p = s.partial;
  if (!p) return "FAIL";
  return p.kind === "timed" ? `${fmt(p.ms)}*` : p.kind === "warmup" ? `~${fmt(p.ms)}` : `>${fmt(p.ms)}`;
}

/** For a side killed before a timed iteration finished: the ratio it is at least (or about). */
function boundRatio(r: Row): string {
  const p = r.ingot.partial;
  const tm = sideMs(r.torch);
  if (!p || tm === null || p.kind === "timed") return "-";
  return `${p.kind === "warmup" ? "~" : ">"}${fmt(p.ms / tm)}`;
}

function printCheck(results: CheckResult[]): void {
  const header = ["workload", "loss ingot", "loss torch", "loss rel err", "grad rel err", "worst grad", "pass"];
  const body = results.map((c) => [
    c.workload,
    c.losses ? c.losses.ingot.map((l) => l.toPrecision(7)).join(" → ") : c.lossRelErr !== null ? "(output)" : "-",
    c.losses ? c.losses.torch.map((l) => l.toPrecision(7)).join(" → ") : c.lossRelErr !== null ? "(output)" : "-",
    c.lossRelErr === null ? "-" : c.lossRelErr.toExponential(2),
    c.gradRelErr === undefined ? "-" : c.gradRelErr.toExponential(2),
    c.worstGrad ?? "-",
    c.pass ? "yes" : "NO",
  ]);
  const backends = [...new Set(results.map((c) => c.backend).filter(Boolean))].join(", ") || "?";
  process.stdout.write(`check (Ingot ${backends} backend): loss (before → after one step) within ${LOSS_RTOL} relative; gradients within ${GRAD_RTOL} of each tensor's max |grad|\n`);
  process.stdout.write(table(header, body) + "\n");
  for (const c of results) if (c.error) process.stdout.write(`  ${c.workload}: ${c.error}\n`);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const defs = selected(o);
  const threads = benchThreads();
  const py = findPython();
  const t0 = performance.now();
  const meta = {
    date: new Date().toISOString(),
    quick: o.quick,
    threads,
    node: process.version,
    python: py?.exe ?? null,
    torch: py?.torch ?? null,
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
  };
  if (!py) process.stderr.write("bench: no python with torch found ($INGOT_BENCH_PYTHON, python3, /usr/bin/python3); torch columns are n/a\n");
  else process.stderr.write(`bench: torch ${py.torch} via ${py.exe}; Ingot on ${threads} threads, PyTorch timed on ${threads} and on 1 (the faster counts)\n`);

  const outDir = join(BENCH_DIR, "out");
  mkdirSync(outDir, { recursive: true });
  const write = (doc: unknown): void => {
    const text = JSON.stringify(doc, null, 2) + "\n";
    writeFileSync(join(outDir, o.check ? "check.json" : "latest.json"), text);
    if (o.jsonOut) {
      const p = resolve(o.jsonOut);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
  };

  if (o.check) {
    const results: CheckResult[] = [];
    for (const w of defs) {
      if (w.noCheck) {
        process.stderr.write(`check: ${w.name} skipped: ${w.noCheck}\n`);
        continue;
      }
      process.stderr.write(`check: ${w.name}...\n`);
      results.push(checkWorkload(w, py, threads));
    }
    printCheck(results);
    write({ ...meta, check: results });
    const last = Object.fromEntries(results.map((c) => [c.workload, c.pass]));
    process.stdout.write(JSON.stringify(last) + "\n");
    if (results.some((c) => !c.pass)) process.exitCode = 1;
    return;
  }

  const rows = runBench(o, defs, py, threads);
  // the HTTP serving workload (wrk against Ingot and FastAPI + PyTorch) runs after the compute ones
  const serve = o.only === null || o.only.includes("serve") ? await runServeBench({ quick: o.quick }) : null;
  const backend = rows.find((r) => r.ingot.result)?.ingot.result?.backend ?? "unknown";
  process.stdout.write(`\nIngot (${backend} backend) vs PyTorch ${py?.torch ?? "(absent)"} — Ingot ${threads} threads, PyTorch the faster of ${threads} and 1 thread ("torch thr"), ${meta.cpu}; median ms/iteration${o.quick ? " (--quick: few iterations, noisy)" : ""}\n`);
  process.stdout.write("ratio = ingot time / torch time (< 1: Ingot is faster); ~GFLOP/s for training steps is an estimate (3x forward GEMM/conv FLOPs)\n\n");
  printBench(rows);
  const totalS = (performance.now() - t0) / 1000;
  process.stdout.write(`\ntotal ${totalS.toFixed(1)} s; full results in bench/out/latest.json\n`);
  if (serve) process.stdout.write(`\nserve (wrk, requests/s and p99; ratio = ingot / fastapi+torch, target req/s ratio ≥ 2 at p99 ratio ≤ 1)\n${formatServeBench(serve)}\n`);
  write({ ...meta, ingotBackend: backend, totalSeconds: totalS, results: rows, ...(serve && { serve }) });
  const ratios: Record<string, unknown> = Object.fromEntries(rows.map((r) => [r.workload, r.ratio === null ? null : Number(r.ratio.toFixed(4))]));
  if (serve) ratios.serve = summaryLine(serve);
  process.stdout.write(JSON.stringify(ratios) + "\n");
}

await main();
