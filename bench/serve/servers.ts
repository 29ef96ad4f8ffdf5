// Starting and stopping the two servers under test as child processes, one at a time.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer as createNetServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const SERVE_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = dirname(dirname(SERVE_DIR));

/** A server child: its base URL and how to stop it. */
export interface RunningServer {
  name: string;
  url: string;
  pid: number;
  /** Worker threads the Ingot server really runs (0 for in-thread inference; null for FastAPI). */
  workers: number | null;
  /** Everything the process has printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

function stopper(child: ChildProcess): (graceMs?: number) => Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  return async (graceMs = 10_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log().slice(-2000)}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server at ${url} not ready after ${timeoutMs / 1000} s:\n${log().slice(-2000)}`);
}

/** Spawns a server process on `port`, collecting its output, and resolves once it answers (or stops it and throws). */
async function startReady(command: string, args: string[], env: NodeJS.ProcessEnv, port: number) {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const output = (): string => out;
  const stop = stopper(child);
  try {
    await waitReady(url, child, output, 120_000);
  } catch (e) {
    await stop(1000);
    throw e;
  }
  return { child, url, output, stop };
}

/**
 * Ingot's server (bench/serve/ingot-server.ts) over `modelDir`, optionally with worker threads; with
 * `cpuProfile` (a file path) SIGUSR2 toggles its CPU profiler (see ingot-server.ts).
 */
export async function startIngot(modelDir: string, opts: { workers?: number; cpuProfile?: string } = {}): Promise<RunningServer> {
  const port = await freePort();
  const nodeArgs = ["--import", "tsx", join(SERVE_DIR, "ingot-server.ts"), modelDir, String(port)];
  if (opts.workers !== undefined) nodeArgs.push(String(opts.workers));
  const env = { ...process.env, ...(opts.cpuProfile !== undefined && { INGOT_BENCH_CPU_PROFILE: opts.cpuProfile }) };
  const { child, url, output, stop } = await startReady(process.execPath, nodeArgs, env, port);
  const out = output();
  const line = out.split("\n").find((l) => l.startsWith("{\"listening\""));
  const workers = line ? ((JSON.parse(line) as { workers: number }).workers ?? 0) : 0;
  return { name: opts.workers ? `ingot (workers ${workers})` : "ingot", url, pid: child.pid ?? -1, workers, output, stop };
}

/** Why `python` cannot run the FastAPI twin, or null when it can. */
export function pythonMissing(python: string): string | null {
  const r = spawnSync(python, ["-c", "import fastapi, uvicorn, torch, pydantic, numpy; print(torch.__version__, fastapi.__version__, uvicorn.__version__)"], { encoding: "utf8", timeout: 120_000 });
  if (r.error) return `${python}: ${r.error.message}`;
  if (r.status !== 0) return `${python} cannot import fastapi, uvicorn, torch, pydantic and numpy: ${(r.stderr ?? "").trim().split("\n").at(-1) ?? ""}`;
  return null;
}

/** Version line of the Python side: "torch x, fastapi y, uvicorn z". */
export function pythonVersions(python: string): string {
  const r = spawnSync(python, ["-c", "import torch, fastapi, uvicorn, pydantic, sys; print(f'python {sys.version.split()[0]}, torch {torch.__version__}, fastapi {fastapi.__version__}, uvicorn {uvicorn.__version__}, pydantic {pydantic.VERSION}')"], { encoding: "utf8" });
  return (r.stdout ?? "").trim();
}

/** The PyTorch twin (bench/serve/fastapi_app.py) under uvicorn, one worker process. */
export async function startFastApi(python: string, modelDir: string, torchThreads: number): Promise<RunningServer> {
  const port = await freePort();
  const args = ["-m", "uvicorn", "--app-dir", SERVE_DIR, "fastapi_app:app", "--host", "127.0.0.1", "--port", String(port), "--workers", "1", "--no-access-log", "--log-level", "warning"];
  const env = { ...process.env, INGOT_SPAM_MODEL_DIR: modelDir, TORCH_THREADS: String(torchThreads), OMP_NUM_THREADS: String(torchThreads), PYTHONDONTWRITEBYTECODE: "1" };
  const { child, url, output, stop } = await startReady(python, args, env, port);
  return { name: "fastapi+torch", url, pid: child.pid ?? -1, workers: null, output, stop };
}
