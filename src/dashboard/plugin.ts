// The dashboard as a server plugin: the built single-page app at `/` and its JSON API under `/api/`,
// sharing the server's error format, API keys and metrics.
import type { FastifyInstance } from "fastify";
import type { Registry } from "../registry/registry.js";
import type { PluginContext, ServerPlugin } from "../serve/plugin.js";
import { defaultAssetsDir, registerAssets } from "./assets.js";
import { registerDataRoutes } from "./data-api.js";
import { registerModelRoutes } from "./models-api.js";
import { registerMonitorRoutes, type DashboardMonitor } from "./monitor-api.js";
import { registerRunRoutes } from "./runs-api.js";

/** Options of dashboardPlugin. */
export interface DashboardOptions {
  /** The registry whose runs and models the dashboard shows and changes. */
  registry: Registry;
  /** Where monitoring reports come from; without one, `/api/monitor/...` answers 404. */
  monitor?: DashboardMonitor;
  /** The built dashboard (default: `dist/dashboard/` of this package). */
  assetsDir?: string;
}

/**
 * The dashboard plugin for createServer: serves the app at `/` and the API its pages call:
 * `GET /api/runs`, `/api/runs/:id`, `/api/runs/:id/metrics[/:key]`, `/api/compare?ids=`, `/api/experiments`,
 * `/api/models`, `/api/models/:name`, `POST /api/models/:name/aliases/:alias` and
 * `POST /api/models/:name/rollback` (admin key), `/api/data`, `/api/data/:name/profile`, `/api/monitor/:model`.
 * When the server has API keys, every `/api/` call needs one (reads: any scope; changes: admin).
 */
export function dashboardPlugin(opts: DashboardOptions): ServerPlugin {
  return async (app: FastifyInstance, ctx: PluginContext): Promise<void> => {
    // an encapsulated context of our own, so @fastify/static's decorations stay inside the dashboard
    await app.register(async (scope) => {
      // with API keys configured, reading runs, models, data and monitoring takes a key too (any scope);
      // the page itself stays public so a browser can load it and ask for one
      scope.addHook("onRequest", async (req) => {
        if (req.url.startsWith("/api/")) await ctx.authorize(req, "predict");
      });
      registerRunRoutes(scope, opts.registry);
      registerModelRoutes(scope, opts.registry, ctx);
      registerDataRoutes(scope);
      registerMonitorRoutes(scope, opts.monitor);
      await registerAssets(scope, opts.assetsDir ?? defaultAssetsDir());
    });
  };
}
