// Serves the built dashboard (Vite's output) at `/`. The assets are a build product, so when they are
// missing `/` says how to build them instead of answering a bare 404.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { HttpError } from "../serve/errors.js";

/**
 * Where `npm run build` puts the dashboard: `dist/dashboard/` at the package root, found from this file
 * whether it runs from `src/dashboard/` (tsx) or `dist/src/dashboard/` (compiled).
 */
export function defaultAssetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, "../../dist/dashboard"), resolve(here, "../../dashboard")];
  return candidates.find((d) => existsSync(join(d, "index.html"))) ?? candidates[0];
}

/** Whether `dir` holds a built dashboard. */
export function hasAssets(dir: string): boolean {
  return existsSync(join(dir, "index.html"));
}

/** Registers the static files of `dir` at `/` (`/` → index.html), or a 503 at `/` when they are missing. */
export async function registerAssets(app: FastifyInstance, dir: string): Promise<void> {
  if (!hasAssets(dir)) {
    app.get("/", async () => {
      throw new HttpError(503, "dashboard_not_built", `the dashboard is not built (no ${join(dir, "index.html")}): run \`npm run build\`, then restart the server`);
    });
    return;
  }
  // @fastify/static loads with the dashboard, not when `ingot` is imported
  const fastifyStatic = createRequire(import.meta.url)("@fastify/static") as FastifyPluginAsync<{ root: string; prefix: string; index: string }>;
  await app.register(fastifyStatic, { root: dir, prefix: "/", index: "index.html" });
}
