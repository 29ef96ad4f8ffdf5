// The model registry as the server's ModelSource: aliases and versions resolve to the registry's copy of
// each model directory, so promoting or rolling back an alias is seen by the next request.
import { RegistryNotFoundError, type Registry } from "../registry/index.js";
import type { ModelListing, ModelSelector, ModelSource, ResolvedModel } from "./model-source.js";

export function registryModelSource(registry: Registry): ModelSource {
  return {
    async resolve(name: string, selector: ModelSelector): Promise<ResolvedModel | null> {
      try {
        const v = await registry.getVersion(name, "version" in selector ? selector.version : { alias: selector.alias });
        return { name: v.model, version: v.version, dir: v.path };
      } catch (e) {
        if (e instanceof RegistryNotFoundError) return null;
        throw e;
      }
    },
    async list(): Promise<ModelListing[]> {
      const models = await registry.listModels();
      return Promise.all(models.map(async (m) => ({ name: m.name, versions: (await registry.listVersions(m.name)).map((v) => v.version), aliases: m.aliases })));
    },
  };
}
