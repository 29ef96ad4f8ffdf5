// `ingot llm register <name> <model.gguf>`: a GGUF file becomes a numbered version of a registered model,
// so `ingot serve` answers for it under /openai/v1 and aliases promote and roll it back like any model.
import type { Command } from "commander";
import { registerLlm } from "../llm/registry-source.js";
import { withRegistry } from "./runs.js";

interface RegisterFlags {
  alias?: string;
  notes?: string;
  root?: string;
  json?: boolean;
}

/** Adds `register` to the `ingot llm` command. */
export function registerLlmRegister(llm: Command): void {
  llm
    .command("register <name> <gguf>")
    .description("register a GGUF file as the next version of model <name> (served by `ingot serve` under /openai/v1)")
    .option("--alias <alias>", "point this alias at the new version (e.g. production)")
    .option("--notes <text>", "notes kept with the version")
    .option("--root <dir>", "registry folder (default .ingot, or $INGOT_HOME)")
    .option("--json", "print JSON")
    .action(async (name: string, gguf: string, flags: RegisterFlags) => {
      const v = await withRegistry(flags, (registry) =>
        registerLlm(registry, name, gguf, { ...(flags.alias !== undefined && { alias: flags.alias }), ...(flags.notes !== undefined && { notes: flags.notes }) }),
      );
      if (flags.json) console.log(JSON.stringify({ model: v.model, version: v.version, aliases: v.aliases }));
      else console.log(`registered ${v.model} v${v.version}${v.aliases.length ? ` (${v.aliases.join(", ")})` : ""}: ask it at /openai/v1 as "${v.model}@${v.version}"`);
    });
}
