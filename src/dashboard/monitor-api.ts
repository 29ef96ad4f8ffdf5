// The monitoring panel's API: a MonitorReport for one model from the monitor the server was given.
import type { FastifyInstance } from "fastify";
import type { MonitorReport } from "../monitor/types.js";
import { HttpError } from "../serve/errors.js";
import { parseRequest } from "../serve/schemas.js";
import { monitorParams, monitorQuery } from "./schemas.js";

/** What the dashboard needs from a monitor: a report per model, optionally for one version and window. */
export interface DashboardMonitor {
  report(model: string, opts?: { version?: number; windowMs?: number }): Promise<MonitorReport>;
}

/** Registers `GET /api/monitor/:model?version=&windowMs=`; a 404 saying so when no monitor is attached. */
export function registerMonitorRoutes(app: FastifyInstance, monitor: DashboardMonitor | undefined): void {
  app.get("/api/monitor/:model", async (req) => {
    const { model } = parseRequest(monitorParams, req.params);
    const q = parseRequest(monitorQuery, req.query, "query");
    if (!monitor) {
      throw new HttpError(404, "monitoring_disabled", `no monitoring report for "${model}": monitoring is not enabled on this server`);
    }
    return monitor.report(model, { version: q.version, windowMs: q.windowMs });
  });
}
