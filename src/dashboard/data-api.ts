// The data half of the dashboard API: the offline catalog and each dataset's profile, computed once per
// process (datasets are read-only package files) the way `ingot data profile` computes it.
import type { FastifyInstance } from "fastify";
import { datasetPath, isDataset, listDatasets, loadDataset } from "../data/catalog.js";
import { streamBatches } from "../data/ingest/index.js";
import { profileTable } from "../data/profile.js";
import type { Table } from "../data/table.js";
import { HttpError } from "../serve/errors.js";
import { parseRequest } from "../serve/schemas.js";
import type { DatasetProfile } from "./api-types.js";
import { datasetParams } from "./schemas.js";

/** Rows profiled of a dataset too large to load whole (flights-3m), as `ingot data profile` does. */
export const LARGE_PROFILE_ROWS = 200_000;


async function loadForProfile(name: string, large: boolean): Promise<Table> {
  if (!large) return loadDataset(name);
  for await (const batch of streamBatches(datasetPath(name), { batchSize: LARGE_PROFILE_ROWS, limit: LARGE_PROFILE_ROWS })) return batch;
  throw new Error(`dataset "${name}" is empty`);
}

async function computeProfile(name: string): Promise<DatasetProfile> {
  const info = listDatasets().find((d) => d.name === name)!;
  const table = await loadForProfile(name, info.kind === "large");
  const target = info.target !== undefined && table.has(info.target) ? info.target : null;
  const profile = profileTable(table, target === null ? {} : { target });
  return { dataset: name, description: info.description, rowsProfiled: table.numRows, target, profile };
}

/** Registers `/api/data` (the catalog) and `/api/data/:name/profile`. */
export function registerDataRoutes(app: FastifyInstance): void {
  // one promise per dataset: concurrent first requests share the work; a failure is not cached
  const cache = new Map<string, Promise<DatasetProfile>>();

  app.get("/api/data", async () => ({ datasets: listDatasets() }));

  app.get("/api/data/:name/profile", async (req) => {
    const { name } = parseRequest(datasetParams, req.params);
    if (!isDataset(name)) {
      throw new HttpError(404, "dataset_not_found", `unknown dataset "${name}" (known: ${listDatasets().map((d) => d.name).join(", ")})`);
    }
    let p = cache.get(name);
    if (!p) {
      p = computeProfile(name);
      cache.set(name, p);
      p.catch(() => cache.delete(name));
    }
    return p;
  });
}
