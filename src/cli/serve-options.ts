// The flags `ingot serve` and `ingot up` share, and their translation into PlatformOptions.
import { type Command, InvalidArgumentError } from "commander";
import type { PlatformOptions } from "../platform/index.js";

/** Parsed flags common to serve and up. */
export interface ServeFlags {
  root?: string;
  host: string;
  port: string;
  workers?: string;
  auth?: boolean;
  cors?: string;
  tlsKey?: string;
  tlsCert?: string;
  rateLimit?: string;
  redis?: string;
  dashboard: boolean;
  monitor: boolean;
  webhook?: string;
  sampleRate?: string;
}

const integer = (name: string, min: number) => (v: string): string => {
  if (!/^\d+$/.test(v) || Number(v) < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got "${v}"`);
  return v;
};

/** Adds the serving flags to `cmd`. */
export function addServeFlags(cmd: Command): Command {
  return cmd
    .option("--root <dir>", "registry folder (default .ingot, or $INGOT_HOME)")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--port <port>", "port (0 picks a free one)", integer("--port", 0), "8080")
    .option("--workers <n>", "inference worker threads (0 = in the server thread)", integer("--workers", 0))
    .option("--auth", "require API keys even when none exist yet (default: required once any key exists)")
    .option("--cors <origins>", "comma-separated origins allowed by CORS")
    .option("--tls-key <file>", "PEM private key: serve HTTPS")
    .option("--tls-cert <file>", "PEM certificate: serve HTTPS")
    .option("--rate-limit <n>", "requests per minute per API key (or per IP)", integer("--rate-limit", 1))
    .option("--redis <url>", "keep rate-limit counters in this Redis (shared by several servers)")
    .option("--no-dashboard", "do not serve the dashboard")
    .option("--no-monitor", "do not log predictions or watch drift")
    .option("--webhook <url>", "POST drift alerts to this URL")
    .option("--sample-rate <p>", "share of input rows logged for drift, 0..1");
}

/** PlatformOptions from parsed flags; mistakes throw one clear line. */
export function platformOptions(f: ServeFlags): PlatformOptions {
  if ((f.tlsKey === undefined) !== (f.tlsCert === undefined)) throw new Error("--tls-key and --tls-cert go together: give both to serve HTTPS");
  let sampleRate: number | undefined;
  if (f.sampleRate !== undefined) {
    sampleRate = Number(f.sampleRate);
    if (!(sampleRate >= 0 && sampleRate <= 1)) throw new Error(`--sample-rate must be a number in 0..1, got "${f.sampleRate}"`);
  }
  return {
    ...(f.root !== undefined && { root: f.root }),
    host: f.host,
    port: Number(f.port),
    ...(f.workers !== undefined && { workers: Number(f.workers) }),
    auth: f.auth ? true : "auto",
    ...(f.cors !== undefined && { corsOrigins: f.cors.split(",").map((s) => s.trim()).filter(Boolean) }),
    ...(f.tlsKey !== undefined && f.tlsCert !== undefined && { tls: { keyFile: f.tlsKey, certFile: f.tlsCert } }),
    ...(f.rateLimit !== undefined && { rateLimit: Number(f.rateLimit) }),
    ...(f.redis !== undefined && { redisUrl: f.redis }),
    dashboard: f.dashboard,
    monitor: f.monitor,
    ...(f.webhook !== undefined && { webhookUrl: f.webhook }),
    ...(sampleRate !== undefined && { sampleRate }),
  };
}
