// Prompt templates versioned in the registry like models: each version is a model directory whose
// config.json says `architecture: {kind: "prompt", template: {...}}` (with an empty model.safetensors,
// which every model directory has, and a prompt.yaml copy to read). Aliases, promotion and rollback work
// as for any model; `name`, `name@2` and `name@production` pick a version.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeAll, writeFileAtomic } from "../../io/atomic.js";
import { saveModelDir } from "../../io/model-dir.js";
import { RegistryNotFoundError, type ModelVersion, type Registry } from "../../registry/index.js";
import { LlmSourceError, parseModelRef } from "../registry-source.js";
import { promptTemplateToYaml } from "./files.js";
import { definePromptTemplate, PromptTemplateError, type PromptTemplate } from "./template.js";

/** The readable copy of the template inside a prompt's model directory. */
export const PROMPT_FILE = "prompt.yaml";

/** Options of registerPrompt. */
export interface RegisterPromptOptions {
  notes?: string;
  fromRun?: string;
  /** Point this alias at the new version. */
  alias?: string;
}

/** Registers `template` as the next version of the prompt `name`. */
export async function registerPrompt(registry: Registry, name: string, template: PromptTemplate, opts: RegisterPromptOptions = {}): Promise<ModelVersion> {
  const checked = definePromptTemplate(template, `prompt "${name}"`);
  const staging = join(tmpdir(), `ingot-prompt-${process.pid}-${randomBytes(6).toString("hex")}`);
  await mkdir(staging);
  try {
    const dir = join(staging, "prompt");
    await saveModelDir(dir, { architecture: { kind: "prompt", template: JSON.parse(JSON.stringify(checked)) as unknown }, stateDict: {} });
    await writeFileAtomic(join(dir, PROMPT_FILE), (fh) => writeAll(fh, new TextEncoder().encode(promptTemplateToYaml(checked))));
    const v = await registry.registerModel(name, { modelDir: dir, notes: opts.notes, fromRun: opts.fromRun });
    if (opts.alias === undefined) return v;
    await registry.setAlias(name, opts.alias, v.version);
    return registry.getVersion(name, v.version);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** A prompt version loaded from the registry. */
export interface RegisteredPrompt {
  name: string;
  version: number;
  template: PromptTemplate;
}

/** Loads the prompt `ref` (`name`, `name@version`, `name@alias`; a bare name means `defaultAlias`). */
export async function loadRegisteredPrompt(registry: Registry, ref: string, defaultAlias = "production"): Promise<RegisteredPrompt> {
  const { name, selector } = parseModelRef(ref, defaultAlias);
  let v: ModelVersion;
  try {
    v = await registry.getVersion(name, "version" in selector ? selector.version : { alias: selector.alias });
  } catch (e) {
    if (e instanceof RegistryNotFoundError) throw new LlmSourceError("model_not_found", `prompt "${ref}": ${(e as Error).message}`);
    throw e;
  }
  const file = join(v.path, "config.json");
  const config = JSON.parse(await readFile(file, "utf8")) as { architecture?: { kind?: unknown; template?: unknown } };
  if (config.architecture?.kind !== "prompt") throw new PromptTemplateError(`"${ref}" (version ${v.version}) is not a prompt template (its config.json has no architecture.kind "prompt")`);
  return { name: v.model, version: v.version, template: definePromptTemplate(config.architecture.template, `${name}@${v.version}`) };
}
