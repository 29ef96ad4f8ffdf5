// Request rate limits through @fastify/rate-limit: per API key when the request carries a verified key
// (a key's own per-minute limit wins), per client IP otherwise. With a Redis URL the counters live in
// Redis, so every server process behind a load balancer enforces one shared limit.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { RateLimitPluginOptions } from "@fastify/rate-limit";
import type { Redis } from "ioredis";
import { HttpError } from "./errors.js";
import type { RequestAuth } from "./security.js";

/** `ServerOptions.rateLimit`. */
export interface RateLimitOptions {
  /** Requests allowed per window per client (per API key, or per IP without keys). */
  max: number;
  /** The window in milliseconds (default 60,000). */
  timeWindowMs?: number;
  /** `redis://host:port/db`: keep the counters in Redis, shared by every server using it. */
  redisUrl?: string;
  /** Prefix of the Redis keys (default "ingot:rate-limit:"); give each deployment its own. */
  redisPrefix?: string;
}

/** The window a key's own `rateLimit` counts in: it is "requests per minute". */
const KEY_WINDOW_MS = 60_000;

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function check(opts: RateLimitOptions): void {
  if (!Number.isInteger(opts.max) || opts.max < 1) throw new RangeError(`rateLimit.max must be a positive integer, got ${opts.max}`);
  if (opts.timeWindowMs !== undefined && (!Number.isInteger(opts.timeWindowMs) || opts.timeWindowMs < 1)) {
    throw new RangeError(`rateLimit.timeWindowMs must be a positive integer, got ${opts.timeWindowMs}`);
  }
  if (opts.redisUrl !== undefined && !/^rediss?:\/\//.test(opts.redisUrl)) {
    throw new RangeError(`rateLimit.redisUrl must start with redis:// or rediss://, got "${opts.redisUrl}"`);
  }
}

/**
 * Registers rate limiting when the server has a limit or API keys (whose own limits then apply alone).
 * `load` loads a package lazily. Routes opt out with `config: {rateLimit: false}` (health checks).
 */
export function registerRateLimit(app: FastifyInstance, opts: RateLimitOptions | undefined, auth: RequestAuth, load: (name: string) => unknown): void {
  if (!opts && !auth.enabled) return;
  if (opts) check(opts);
  const windowMs = opts?.timeWindowMs ?? 60_000;
  const limitOf = (req: FastifyRequest): { max: number; windowMs: number } | null => {
    const own = auth.keyOf(req)?.rateLimit;
    if (own !== undefined) return { max: own, windowMs: KEY_WINDOW_MS };
    return opts ? { max: opts.max, windowMs } : null;
  };
  let redis: Redis | undefined;
  if (opts?.redisUrl) {
    const { Redis: RedisClient } = load("ioredis") as typeof import("ioredis");
    // fail fast: a request must not wait on a dead Redis (skipOnError below lets it through)
    redis = new RedisClient(opts.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2000, enableOfflineQueue: true });
    redis.on("error", (err: Error) => app.log.warn({ err }, "rate limit Redis unreachable; requests are not limited meanwhile"));
    const client = redis;
    app.addHook("onClose", async () => {
      await client.quit().catch(() => client.disconnect());
    });
  }
  const plugin = load("@fastify/rate-limit") as typeof import("@fastify/rate-limit").default;
  const settings: RateLimitPluginOptions = {
    global: true,
    keyGenerator: (req) => {
      const key = auth.keyOf(req);
      return key ? `key:${key.id}` : `ip:${req.ip}`;
    },
    max: async (req) => limitOf(req)?.max ?? Number.MAX_SAFE_INTEGER,
    timeWindow: async (req) => limitOf(req)?.windowMs ?? windowMs,
    // no limit applies (keys without their own limit on a server without one): skip the store
    allowList: (req) => limitOf(req) === null,
    // availability over strictness: a Redis outage is logged above and must not fail predictions
    skipOnError: true,
    errorResponseBuilder: (req, ctx) => {
      const limit = limitOf(req);
      const per = limit ? ` per ${seconds(limit.windowMs)}` : "";
      return new HttpError(429, "rate_limited", `rate limit exceeded: at most ${ctx.max} requests${per}; retry in ${Math.max(1, Math.ceil(ctx.ttl / 1000))} s`);
    },
    ...(redis && { redis, nameSpace: opts?.redisPrefix ?? "ingot:rate-limit:" }),
  };
  app.register(plugin, settings);
}
