// The monitoring routes as a server plugin: reports over HTTP for the dashboard and scripts, behind
// the server's API keys (predict scope: whoever may call a model may see how it is doing).
import type { FastifyRequest } from "fastify";
import { HttpError } from "../serve/errors.js";
import type { ServerPlugin } from "../serve/plugin.js";
import { parseDuration } from "./duration.js";
import { MonitorError } from "./errors.js";
import type { PredictionMonitor } from "./monitor.js";

function queryParam(req: FastifyRequest, name: string): string | undefined {
  const q = req.query as Record<string, unknown> | undefined;
  const v = q?.[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new HttpError(400, "invalid_field", `${name}: expected one value, got ${JSON.stringify(v)}`, name);
  return v;
}

function parseVersion(text: string | undefined): number | undefined {
  if (text === undefined || text === "") return undefined;
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 1)) throw new HttpError(400, "invalid_field", `version: expected a positive integer, got ${JSON.stringify(text)}`, "version");
  return n;
}

function parseWindow(text: string | undefined): number | undefined {
  if (text === undefined || text === "") return undefined;
  try {
    return parseDuration(text, "windowMs");
  } catch (e) {
    throw new HttpError(400, "invalid_field", (e as MonitorError).message, "windowMs");
  }
}

/**
 * Adds `GET /v1/monitor` (models with traffic) and `GET /v1/monitor/:model?version=&windowMs=` (a
 * MonitorReport; windowMs in milliseconds or as 30m, 1h, ...) to a server made by createServer.
 */
export function monitorPlugin(monitor: PredictionMonitor): ServerPlugin {
  return (app, ctx) => {
    app.get("/v1/monitor", async (req) => {
      await ctx.authorize(req, "predict");
      return { models: await monitor.models() };
    });
    app.get<{ Params: { model: string } }>("/v1/monitor/:model", async (req) => {
      await ctx.authorize(req, "predict");
      const version = parseVersion(queryParam(req, "version"));
      const windowMs = parseWindow(queryParam(req, "windowMs"));
      const { model } = req.params;
      if (!(await monitor.models()).some((m) => m.model === model)) {
        throw new HttpError(404, "model_not_found", `no monitoring data for model "${model}": it has served no predictions`);
      }
      return monitor.report(model, { version, windowMs });
    });
  };
}
