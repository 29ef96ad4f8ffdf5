// Runs wrk with bench/serve/post.lua and reads its --latency report.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** bench/serve/post.lua: cycles through the JSON bodies of $WRK_BODIES, one per request. */
export const POST_LUA = fileURLToPath(new URL("./post.lua", import.meta.url));

/** What one wrk run measured. Latencies in milliseconds. */
export interface WrkResult {
  requestsPerSec: number;
  requests: number;
  seconds: number;
  p50Ms: number;
  p75Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** Responses outside 2xx/3xx ("Non-2xx or 3xx responses"). */
  non2xx: number;
  /** connect + read + write + timeout socket errors. */
  socketErrors: number;
}

/** wrk's path on this machine, or null. */
export function findWrk(): string | null {
  for (const exe of [process.env.INGOT_BENCH_WRK, "/usr/bin/wrk", "wrk"].filter((x): x is string => !!x)) {
    const r = spawnSync(exe, ["-v"], { encoding: "utf8" });
    // wrk -v prints its version and exits 1
    if (!r.error && /wrk/i.test(`${r.stdout}${r.stderr}`)) return exe;
  }
  return null;
}

const UNIT_MS: Record<string, number> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

function durationMs(text: string, what: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`wrk: cannot read ${what} "${text}"`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** Parses wrk's report (with --latency). */
export function parseWrk(out: string): WrkResult {
  const pct = (p: string): number => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)\\s*$`, "m").exec(out);
    if (!m) throw new Error(`wrk: no ${p}% latency line in the report (was --latency given?):\n${out}`);
    return durationMs(m[1], `the ${p}% latency`);
  };
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(out);
  const total = /^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)/m.exec(out);
  if (!rps || !total) throw new Error(`wrk: no Requests/sec or request count in the report:\n${out}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requestsPerSec: Number(rps[1]),
    requests: Number(total[1]),
    seconds: durationMs(`${total[2]}${total[3]}`, "the duration") / 1000,
    p50Ms: pct("50"), p75Ms: pct("75"), p90Ms: pct("90"), p99Ms: pct("99"),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: sock ? sock.slice(1, 5).reduce((s, v) => s + Number(v), 0) : 0,
  };
}

/** How wrk is run. */
export interface WrkOptions {
  wrk: string;
  url: string;
  /** A file of JSON request bodies, one per line. */
  bodiesFile: string;
  connections: number;
  seconds: number;
  threads?: number;
}

/** Runs wrk to completion (asynchronously, so a server in this process could still answer) and parses it. */
export function runWrk(o: WrkOptions): Promise<WrkResult> {
  const args = [`-t${o.threads ?? 1}`, `-c${o.connections}`, `-d${o.seconds}s`, "--timeout", "10s", "--latency", "-s", POST_LUA, o.url];
  return new Promise((resolve, reject) => {
    const child = spawn(o.wrk, args, { env: { ...process.env, WRK_BODIES: o.bodiesFile }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${err.trim() || out.trim()}`));
      try {
        resolve(parseWrk(out));
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}
