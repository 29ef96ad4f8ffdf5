// The runs half of the dashboard API: list with filters and order, one run with its evaluation,
// metric histories (polled while a run trains) and side-by-side comparison.
import type { FastifyInstance } from "fastify";
import type { Registry } from "../registry/registry.js";
import type { ListRunsQuery, MetricPoint, RunDetails, RunField } from "../registry/types.js";
import { HttpError } from "../serve/errors.js";
import { parseRequest } from "../serve/schemas.js";
import { viaRegistry } from "./errors.js";
import { readEvaluation } from "./evaluation.js";
import { compareQuery, listRunsQuery, metricParams, runParams } from "./schemas.js";

function runField(spec: string): RunField {
  const at = spec.indexOf(":");
  const kind = spec.slice(0, at);
  const key = spec.slice(at + 1);
  if (kind === "metric") return { metric: key };
  if (kind === "param") return { param: key };
  if (kind === "tag") return { tag: key };
  return { attribute: key as "name" | "status" | "startTime" | "endTime" };
}

/** A run without the server's file paths (the browser has no use for them). */
function publicRun(run: RunDetails): Omit<RunDetails, "artifacts"> & { artifacts: { name: string; size: number; createdAt: number }[] } {
  return { ...run, artifacts: run.artifacts.map(({ name, size, createdAt }) => ({ name, size, createdAt })) };
}

/** Registers `/api/experiments`, `/api/runs`, `/api/runs/:id`, `/api/runs/:id/metrics[/:key]` and `/api/compare`. */
export function registerRunRoutes(app: FastifyInstance, registry: Registry): void {
  app.get("/api/experiments", async () => ({ experiments: await viaRegistry(() => registry.listExperiments()) }));

  app.get("/api/runs", async (req) => {
    const q = parseRequest(listRunsQuery, req.query, "query");
    const query: ListRunsQuery = {
      experiment: q.experiment,
      where: q.status ? [{ on: { attribute: "status" }, op: "=", value: q.status }] : [],
      orderBy: q.orderBy ? [{ on: runField(q.orderBy), descending: q.order !== "asc" }] : undefined,
      limit: q.limit,
    };
    if (q.experiment !== undefined) await viaRegistry(() => registry.getExperiment(q.experiment!));
    return { runs: await viaRegistry(() => registry.listRuns(query)) };
  });

  app.get("/api/runs/:id", async (req) => {
    const { id } = parseRequest(runParams, req.params);
    const run = await viaRegistry(() => registry.getRun(id));
    return { run: publicRun(run), metricKeys: Object.keys(run.metrics).sort(), ...(await readEvaluation(run)) };
  });

  // every metric's history in one answer: what the run page polls every 2 s while the run trains
  app.get("/api/runs/:id/metrics", async (req) => {
    const { id } = parseRequest(runParams, req.params);
    const run = await viaRegistry(() => registry.getRun(id));
    const history: Record<string, MetricPoint[]> = {};
    for (const key of Object.keys(run.metrics).sort()) history[key] = await viaRegistry(() => registry.metricHistory(id, key));
    return { status: run.status, history };
  });

  app.get("/api/runs/:id/metrics/:key", async (req) => {
    const { id, key } = parseRequest(metricParams, req.params);
    const run = await viaRegistry(() => registry.getRun(id));
    if (!(key in run.metrics)) {
      const known = Object.keys(run.metrics);
      throw new HttpError(404, "metric_not_found", `run ${id} has no metric "${key}" (it has: ${known.join(", ") || "none"})`);
    }
    return { key, history: await viaRegistry(() => registry.metricHistory(id, key)) };
  });

  app.get("/api/compare", async (req) => {
    const { ids } = parseRequest(compareQuery, req.query, "query");
    return viaRegistry(() => registry.compareRuns(ids));
  });
}
