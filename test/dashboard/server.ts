// The server the dashboard tests run: createServer over the fixture's registry with the dashboard as a
// plugin, real API keys, and a monitor watching every predict request through onPredict.
import type { FastifyInstance } from "fastify";
import { dashboardPlugin } from "../../src/dashboard/index.js";
import type { PredictionMonitor } from "../../src/monitor/index.js";
import type { ApiKeyStore } from "../../src/serve/auth/index.js";
import { createServer, registryModelSource } from "../../src/serve/index.js";
import type { Fixture } from "./fixture.js";

/** Options of dashboardServer. */
export interface DashboardServerOptions {
  monitor?: PredictionMonitor;
  assetsDir?: string;
  /** API keys: promote and roll back need admin, predictions need predict; none = open server. */
  keys?: ApiKeyStore;
}

/** A server (not listening) serving the fixture's models and the dashboard. */
export async function dashboardServer(fx: Fixture, opts: DashboardServerOptions = {}): Promise<FastifyInstance> {
  const app = createServer({
    models: registryModelSource(fx.registry),
    apiKeys: opts.keys,
    onPredict: opts.monitor?.observe,
    plugins: [dashboardPlugin({ registry: fx.registry, monitor: opts.monitor, assetsDir: opts.assetsDir })],
  });
  await app.ready();
  return app;
}
