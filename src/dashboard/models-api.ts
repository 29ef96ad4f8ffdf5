// The models half of the dashboard API: registered models, one model's versions with their run lineage,
// and the two registry changes the dashboard offers (promote, roll back), both for admin keys only.
import type { FastifyInstance } from "fastify";
import type { Registry } from "../registry/registry.js";
import type { ModelVersion, Run } from "../registry/types.js";
import { HttpError } from "../serve/errors.js";
import type { PluginContext } from "../serve/plugin.js";
import { parseRequest } from "../serve/schemas.js";
import { viaRegistry } from "./errors.js";
import { aliasParams, modelParams, promoteBody, rollbackBody } from "./schemas.js";

/** The run a version came from, in brief; null when it has no lineage or the run is gone. */
type Lineage = Pick<Run, "id" | "experiment" | "name" | "status" | "metrics"> | null;

async function lineage(registry: Registry, v: ModelVersion): Promise<Lineage> {
  if (v.runId === null) return null;
  try {
    const r = await registry.getRun(v.runId);
    return { id: r.id, experiment: r.experiment, name: r.name, status: r.status, metrics: r.metrics };
  } catch {
    return null;
  }
}

/** What promote and roll back answer: where the alias points now and where it pointed before. */
interface AliasChange {
  model: string;
  alias: string;
  version: number;
  previous: number | null;
}

async function moveAlias(registry: Registry, model: string, alias: string, version: number): Promise<AliasChange> {
  const before = await viaRegistry(() => registry.getModel(model));
  await viaRegistry(() => registry.setAlias(model, alias, version));
  return { model, alias, version, previous: before.aliases[alias] ?? null };
}

/**
 * Where roll back sends `alias`: the version asked for, or else the newest version older than the one
 * the alias points at now.
 */
async function rollbackTarget(registry: Registry, model: string, alias: string, asked: number | undefined): Promise<number> {
  if (asked !== undefined) return asked;
  const m = await viaRegistry(() => registry.getModel(model));
  const current = m.aliases[alias];
  if (current === undefined) throw new HttpError(404, "alias_not_found", `model "${model}" has no alias "${alias}" to roll back`);
  const older = (await viaRegistry(() => registry.listVersions(model))).map((v) => v.version).filter((v) => v < current);
  if (older.length === 0) throw new HttpError(409, "nothing_to_roll_back_to", `model "${model}": alias "${alias}" is on version ${current}, and no older version exists`);
  return Math.max(...older);
}

/** Registers `/api/models`, `/api/models/:name`, `POST /api/models/:name/aliases/:alias` and `POST /api/models/:name/rollback`. */
export function registerModelRoutes(app: FastifyInstance, registry: Registry, ctx: PluginContext): void {
  app.get("/api/models", async () => ({ models: await viaRegistry(() => registry.listModels()) }));

  app.get("/api/models/:name", async (req) => {
    const { name } = parseRequest(modelParams, req.params);
    const model = await viaRegistry(() => registry.getModel(name));
    const versions = await viaRegistry(() => registry.listVersions(name));
    return {
      model,
      versions: await Promise.all(versions.map(async ({ path: _path, ...v }) => ({ ...v, run: await lineage(registry, { ...v, path: "" }) }))),
    };
  });

  app.post("/api/models/:name/aliases/:alias", async (req) => {
    await ctx.authorize(req, "admin");
    const { name, alias } = parseRequest(aliasParams, req.params);
    const { version } = parseRequest(promoteBody, req.body ?? {});
    return moveAlias(registry, name, alias, version);
  });

  app.post("/api/models/:name/rollback", async (req) => {
    await ctx.authorize(req, "admin");
    const { name } = parseRequest(modelParams, req.params);
    const { alias, version } = parseRequest(rollbackBody, req.body ?? {});
    return moveAlias(registry, name, alias, await rollbackTarget(registry, name, alias, version));
  });
}
