// The data half of the dashboard API: the offline catalog and each dataset's profile, computed once per
// process (datasets are read-only package files) the way `ingot data profile` computes it: large ones
// in DuckDB over the whole file.
import type { FastifyInstance } from "fastify";
import { datasetPath, isDataset, listDatasets, loadDataset } from "../data/catalog.js";
import { profileSource } from "../data/profile-source.js";
import { profileTable } from "../data/profile.js";
import { HttpError } from "../serve/errors.js";
import { parseRequest } from "../serve/schemas.js";
import type { DatasetProfile } from "./api-types.js";
import { datasetParams } from "./schemas.js";

async function computeProfile(name: string): Promise<DatasetProfile> {
  const info = listDatasets().find((d) => d.name === name)!;
  if (info.kind === "large") {
    // all of it, aggregated in DuckDB without loading it (tens of seconds for flights-3m, once per process)
    const target = info.target ?? null;
    const profile = await profileSource(datasetPath(name), target === null ? {} : { target });
    return { dataset: name, description: info.description, rowsProfiled: profile.numRows, target, profile };
  }
  const table = await loadDataset(name);
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
