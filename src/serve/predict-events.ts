// Builds the PredictEvent of a finished predict request from what the route recorded on the way.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { PredictEvent } from "./events.js";
import type { PredictBody } from "./schemas.js";
import type { Prediction } from "./served-model.js";

/** What the predict route recorded about one request. */
export interface PredictFacts {
  version?: number;
  errorCode?: string;
  body?: PredictBody;
  predictions?: Prediction[];
}

/** The event for a request whose response was just sent. */
export function predictEvent(req: FastifyRequest, reply: FastifyReply, f: PredictFacts): PredictEvent {
  const status = reply.statusCode;
  const params = req.params as { name?: unknown } | undefined;
  const failed = status >= 400;
  return {
    model: typeof params?.name === "string" ? params.name : "",
    version: f.version ?? null,
    at: Date.now(),
    latencyMs: reply.elapsedTime,
    rows: f.body && "rows" in f.body ? f.body.rows : null,
    inputs: f.body && "inputs" in f.body ? f.body.inputs : null,
    predictions: failed ? null : (f.predictions ?? null),
    error: failed ? { status, code: f.errorCode ?? "unknown" } : null,
  };
}
