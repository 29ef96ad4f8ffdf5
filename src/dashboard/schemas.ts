// The dashboard API's request schemas: path params, query strings and bodies are checked with zod
// before any work, and the first problem becomes a 400 naming its field (the server's error format).
import { z } from "zod";

const runId = z.string().regex(/^[0-9a-f]{32}$/, "expected a run id (32 hex digits)");
const positiveInt = z.coerce.number().int("expected an integer").positive("expected a positive integer");

/** `GET /api/runs` query: filters, one sort key and a limit. */
export const listRunsQuery = z.object({
  experiment: z.string().min(1).optional(),
  status: z.enum(["running", "finished", "failed", "killed"]).optional(),
  /** `metric:<key>`, `param:<key>`, `tag:<key>` or `attribute:<name|status|startTime|endTime>`. */
  orderBy: z.string().regex(/^(metric|param|tag):.+$|^attribute:(name|status|startTime|endTime)$/,
    "expected metric:<key>, param:<key>, tag:<key> or attribute:<name|status|startTime|endTime>").optional(),
  order: z.enum(["asc", "desc"]).optional(),
  limit: positiveInt.max(10_000).optional(),
}).strict();

/** `:id` of the run routes. */
export const runParams = z.object({ id: runId }).strict();

/** `:id/:key` of the metric history route. */
export const metricParams = z.object({ id: runId, key: z.string().min(1) }).strict();

/** `GET /api/compare?ids=a,b` query. */
export const compareQuery = z.object({
  ids: z.string().transform((s) => s.split(",").map((x) => x.trim()).filter((x) => x !== ""))
    .pipe(z.array(runId).min(2, "expected at least two comma-separated run ids").max(20, "at most 20 runs at once")),
}).strict();

/** `:name` of the model routes. */
export const modelParams = z.object({ name: z.string().min(1) }).strict();

/** `:name/:alias` of the promote route. */
export const aliasParams = z.object({ name: z.string().min(1), alias: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, "expected an alias such as production") }).strict();

/** `POST /api/models/:name/aliases/:alias` body. */
export const promoteBody = z.object({ version: z.number().int("expected an integer").positive("expected a positive version number") }).strict();

/** `POST /api/models/:name/rollback` body: the alias (default production) and, optionally, the version to go back to. */
export const rollbackBody = z.object({
  alias: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, "expected an alias such as production").default("production"),
  version: z.number().int("expected an integer").positive("expected a positive version number").optional(),
}).strict();

/** `:name` of the data routes. */
export const datasetParams = z.object({ name: z.string().min(1) }).strict();

/** `GET /api/monitor/:model` query. */
export const monitorQuery = z.object({
  version: positiveInt.optional(),
  windowMs: positiveInt.optional(),
}).strict();

/** `:model` of the monitor route. */
export const monitorParams = z.object({ model: z.string().min(1) }).strict();
