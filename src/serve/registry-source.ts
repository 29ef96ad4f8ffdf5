// The model registry as the server's ModelSource: aliases and versions resolve to the registry's copy of
// each model directory, so promoting or rolling back an alias is seen by the next request. Versions that
// are not predict models (LLMs, prompt templates) are refused with a 400 that says where they are served.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { RegistryNotFoundError, type Registry } from "../registry/index.js";
import { HttpError } from "./errors.js";
import type { ModelListing, ModelSelector, ModelSource, ResolvedModel } from "./model-source.js";

/** The `architecture.kind` of a model directory's config.json ("llm", "prompt"), or null for a module. */
async function architectureKind(dir: string): Promise<string | null> {
  try {
    const config = JSON.parse(await readFile(join(dir, "config.json"), "utf8")) as { architecture?: { kind?: unknown } };
    return typeof config.architecture?.kind === "string" ? config.architecture.kind : null;
  } catch {
    return null; // loading the model reports a missing or broken config.json with its own message
  }
}

function notPredictable(name: string, version: number, kind: string): HttpError {
  const where = kind === "llm" ? "call it through the OpenAI-compatible routes under /openai/v1" : "it is not a model that predicts";
  return new HttpError(400, "not_a_predict_model", `model "${name}" version ${version} is ${kind === "llm" ? "an LLM" : `a ${kind}`}: ${where}`);
}

/** The registry as a ModelSource for createServer. */
export function registryModelSource(registry: Registry): ModelSource {
  // versions never change once registered, so a directory's kind is read once
  const kinds = new Map<string, Promise<string | null>>();
  return {
    async resolve(name: string, selector: ModelSelector): Promise<ResolvedModel | null> {
      let v;
      try {
        v = await registry.getVersion(name, "version" in selector ? selector.version : { alias: selector.alias });
      } catch (e) {
        if (e instanceof RegistryNotFoundError) return null;
        throw e;
      }
      let kind = kinds.get(v.path);
      if (!kind) kinds.set(v.path, (kind = architectureKind(v.path)));
      const k = await kind;
      if (k !== null) throw notPredictable(v.model, v.version, k);
      return { name: v.model, version: v.version, dir: v.path };
    },
    async list(): Promise<ModelListing[]> {
      const models = await registry.listModels();
      return Promise.all(models.map(async (m) => ({ name: m.name, versions: (await registry.listVersions(m.name)).map((v) => v.version), aliases: m.aliases })));
    },
  };
}
