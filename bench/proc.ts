import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = dirname(BENCH_DIR);

/** The thread count both sides use: $INGOT_NUM_THREADS, else every core. */
export function benchThreads(): number {
  const n = Number(process.env.INGOT_NUM_THREADS ?? "");
  return Number.isInteger(n) && n > 0 ? n : availableParallelism();
}

export function childEnv(threads: number): NodeJS.ProcessEnv {
  const t = String(threads);
  return { ...process.env, INGOT_NUM_THREADS: t, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t };
}

export interface PythonInfo {
  exe: string;
  torch: string;
}

/** The first of $INGOT_BENCH_PYTHON, python3, /usr/bin/python3 that can import torch. */
export function findPython(): PythonInfo | null {
  const candidates = [process.env.INGOT_BENCH_PYTHON, "python3", "/usr/bin/python3"].filter((x): x is string => !!x);
  for (const exe of candidates) {
    const r = spawnSync(exe, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8", timeout: 60_000 });
    if (r.status === 0) return { exe, torch: r.stdout.trim() };
  }
  return null;
}

export interface ChildResult<T> {
  /** The last JSON line the child printed on stdout, when it exited cleanly. */
  value: T | null;
  ok: boolean;
  timedOut: boolean;
  wallMs: number;
  stderr: string;
  /** Every stdout line, parsed where it is JSON (progress events come before the result). */
  lines: unknown[];
  error: string | null;
}

function parseLines(out: string): unknown[] {
  return out.split("\n").filter((l) => l.trim() !== "").map((l) => {
    try {
      return JSON.parse(l) as unknown;
    } catch {
      return l;
    }
  });
}

/** Runs a child to completion (or `timeoutMs`), parsing the last stdout line as JSON. */
export function runChild<T>(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): ChildResult<T> {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: "utf8", timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 256 * 1024 * 1024 });
  const wallMs = performance.now() - t0;
  const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT";
  const stderr = r.stderr ?? "";
  const lines = parseLines(r.stdout ?? "");
  if (r.status !== 0 || timedOut) {
    const why = timedOut ? `timed out after ${(timeoutMs / 1000).toFixed(0)} s` : r.error ? r.error.message : `exit ${r.status ?? r.signal}`;
    return { value: null, ok: false, timedOut, wallMs, stderr, lines, error: `${why}${lastLines(stderr)}` };
  }
  const last = lines[lines.length - 1];
  if (last !== null && typeof last === "object") return { value: last as T, ok: true, timedOut: false, wallMs, stderr, lines, error: null };
  return { value: null, ok: false, timedOut: false, wallMs, stderr, lines, error: `unparsable output: ${String(last).slice(0, 200)}` };
}

function lastLines(s: string): string {
  // the registry's one-line js-fallback notice is reported elsewhere (the backend column)
  const lines = s.trim().split("\n").filter((l) => l.trim() !== "" && !l.startsWith("ingot: native cpu backend unavailable"));
  return lines.length ? `: ${lines.slice(-3).join(" | ").slice(0, 400)}` : "";
}

export const INGOT_WORKER = ["--import", "tsx", join(BENCH_DIR, "ingot-worker.ts")];
export const TORCH_WORKER = join(BENCH_DIR, "torch_worker.py");
