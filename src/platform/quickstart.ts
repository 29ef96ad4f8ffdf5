// The quick start's model: if the registry has no `production` spam model yet, train one from the
// built-in spec (with drift references for monitoring) and register it; otherwise reuse it.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadExperimentSpec, runExperiment, type ExperimentResult } from "../experiment/index.js";
import { driftReference, saveDriftReference } from "../monitor/index.js";
import { RegistryNotFoundError, type Registry } from "../registry/index.js";

/** The built-in spec `ingot up` trains: examples/specs/<name>.yaml of this package. */
export function builtinSpecPath(name = "spam"): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = resolve(dir, "..")) {
    const p = join(dir, "examples", "specs", `${name}.yaml`);
    if (existsSync(p)) return p;
  }
  throw new Error(`the built-in experiment spec "${name}.yaml" was not found in this package's examples/specs/`);
}

/** What ensureModel did. */
export type EnsureResult =
  | { trained: false; model: string; alias: string; version: number }
  | { trained: true; model: string; alias: string; version: number; result: ExperimentResult };

/**
 * Makes sure `model`@`alias` exists: reuses it when registered (unless `retrain`), else runs the spec,
 * storing a drift reference beside the saved model so the monitor can compare live traffic with it.
 */
export async function ensureModel(registry: Registry, opts: { specPath: string; retrain?: boolean; quick?: boolean; progress?: boolean }): Promise<EnsureResult> {
  const spec = await loadExperimentSpec(opts.specPath);
  if (!spec.register) throw new Error(`${opts.specPath}: the spec has no "register" section, so there is no model to serve`);
  const { model, alias = "production" } = spec.register;
  if (!opts.retrain) {
    try {
      const v = await registry.getVersion(model, { alias });
      return { trained: false, model, alias, version: v.version };
    } catch (e) {
      if (!(e instanceof RegistryNotFoundError)) throw e;
    }
  }
  const result = await runExperiment(spec, {
    registry,
    quick: opts.quick ?? false,
    progress: opts.progress ?? true,
    afterSave: async (dir, rows, scores) => {
      const textFields = spec.data.text === undefined ? [] : [spec.data.text];
      await saveDriftReference(dir, driftReference(rows, { scores, textFields }));
    },
  });
  if (result.version === undefined) throw new Error(`${opts.specPath}: the run finished but registered no version`);
  return { trained: true, model, alias, version: result.version, result };
}
