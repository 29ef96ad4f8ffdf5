// `ingot models list|show|promote|rollback|delete`: registered models, their versions and aliases.
import type { Command } from "commander";
import type { ModelVersion, RegisteredModel } from "../registry/index.js";
import { formatColumns, positiveInt, registryOptions, withRegistry } from "./runs.js";

function when(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

function aliasesText(aliases: Record<string, number>): string {
  const e = Object.entries(aliases);
  return e.length ? e.map(([a, v]) => `${a}→${v}`).join(" ") : "-";
}

function versionsTable(versions: ModelVersion[]): string {
  const rows = [["version", "aliases", "created", "run", "notes"]];
  for (const v of versions) rows.push([String(v.version), v.aliases.join(",") || "-", when(v.createdAt), v.runId ?? "-", v.notes]);
  return formatColumns(rows);
}

/** Registers `ingot models ...`. */
export function registerModels(program: Command): void {
  const models = program.command("models").description("registered models: versions, aliases, promotion and rollback");

  registryOptions(models.command("list").description("list registered models")).action(async (opts: { root?: string; json?: boolean }) => {
    const list: RegisteredModel[] = await withRegistry(opts, (r) => r.listModels());
    if (opts.json) return void console.log(JSON.stringify(list));
    if (!list.length) return void console.log("no registered models");
    console.log(formatColumns([["name", "versions", "latest", "aliases", "notes"], ...list.map((m) => [m.name, String(m.versionCount), String(m.latestVersion ?? "-"), aliasesText(m.aliases), m.notes])]));
  });

  registryOptions(models.command("show <name>").description("show a model's versions and aliases")).action(async (name: string, opts: { root?: string; json?: boolean }) => {
    const { model, versions } = await withRegistry(opts, async (r) => ({ model: await r.getModel(name), versions: await r.listVersions(name) }));
    if (opts.json) return void console.log(JSON.stringify({ ...model, versions }));
    console.log(`model ${model.name}  (${model.versionCount} versions, aliases: ${aliasesText(model.aliases)})${model.notes ? `\n${model.notes}` : ""}\n`);
    console.log(versions.length ? versionsTable(versions) : "no versions");
  });

  registryOptions(models.command("promote <name> <version>").description("point an alias (default production) at a version"))
    .option("--alias <alias>", "the alias to move", "production")
    .action(async (name: string, versionText: string, opts: { root?: string; json?: boolean; alias: string }) => {
      const version = positiveInt(versionText, "version");
      const previous = await withRegistry(opts, async (r) => {
        await r.getVersion(name, version);
        const before = (await r.getModel(name)).aliases[opts.alias] ?? null;
        await r.setAlias(name, opts.alias, version);
        return before;
      });
      if (opts.json) return void console.log(JSON.stringify({ model: name, alias: opts.alias, version, previous }));
      console.log(`${name}@${opts.alias} → version ${version}${previous !== null ? ` (was ${previous})` : ""}`);
    });

  registryOptions(
    models
      .command("rollback <name>")
      .description("move an alias (default production) back: to --to N, or else to the highest existing version below the one it points to now"),
  )
    .option("--alias <alias>", "the alias to move", "production")
    .option("--to <version>", "the version to roll back to (default: the highest existing version below the current one)")
    .action(async (name: string, opts: { root?: string; json?: boolean; alias: string; to?: string }) => {
      const to = opts.to === undefined ? undefined : positiveInt(opts.to, "--to");
      const { from, target } = await withRegistry(opts, async (r) => {
        const current = (await r.getVersion(name, { alias: opts.alias })).version;
        let target = to;
        if (target === undefined) {
          const below = (await r.listVersions(name)).map((v) => v.version).filter((v) => v < current);
          if (!below.length) throw new Error(`cannot roll back ${name}@${opts.alias}: it points to version ${current} and no earlier version exists`);
          target = Math.max(...below);
        } else await r.getVersion(name, target);
        await r.setAlias(name, opts.alias, target);
        return { from: current, target };
      });
      if (opts.json) return void console.log(JSON.stringify({ model: name, alias: opts.alias, version: target, previous: from }));
      console.log(`${name}@${opts.alias} → version ${target} (rolled back from ${from})`);
    });

  registryOptions(models.command("delete <name> <version>").description("delete a version and its files (refused while an alias points to it)")).action(
    async (name: string, versionText: string, opts: { root?: string; json?: boolean }) => {
      const version = positiveInt(versionText, "version");
      await withRegistry(opts, (r) => r.deleteVersion(name, version));
      if (opts.json) return void console.log(JSON.stringify({ model: name, deleted: version }));
      console.log(`deleted ${name} version ${version}`);
    },
  );
}
