// `ingot eval <model>`: re-scores a registered model version on a dataset through its saved preprocessing.
import type { Command } from "commander";
import { evaluateModelDir } from "../experiment/score.js";
import { loadNamed } from "./data.js";
import { positiveInt, registryOptions, short, withRegistry } from "./runs.js";

/** Registers `ingot eval`. */
export function registerEval(program: Command): void {
  // without this the root's --version (print ingot's version) would swallow `eval --version N`
  registryOptions(
    program
      .command("eval <model>")
      .description("evaluate a registered model on a catalog dataset or a data file (rows must carry the model's inputs and target)")
      .requiredOption("--data <nameOrFile>", "a catalog dataset (see: ingot data list) or a file")
      .option("--version <n>", "the model version (default: the latest)")
      .option("--alias <alias>", "the alias naming the version, e.g. production"),
  ).action(async (name: string, opts: { data: string; version?: string; alias?: string; root?: string; json?: boolean }) => {
    if (opts.version !== undefined && opts.alias !== undefined) throw new Error("give --version or --alias, not both");
    const version = opts.version === undefined ? undefined : positiveInt(opts.version, "--version");
    const v = await withRegistry(opts, async (r) => {
      if (opts.alias !== undefined) return r.getVersion(name, { alias: opts.alias });
      if (version !== undefined) return r.getVersion(name, version);
      const latest = (await r.getModel(name)).latestVersion;
      if (latest === null) throw new Error(`model "${name}" has no versions`);
      return r.getVersion(name, latest);
    });
    const table = await loadNamed(opts.data);
    const { evaluation, rows, dropped } = await evaluateModelDir(v.path, table, opts.data);
    if (opts.json) return void console.log(JSON.stringify({ model: name, version: v.version, data: opts.data, rows, dropped, evaluation }));
    console.log(`${name} version ${v.version} on ${opts.data}: ${rows} rows${dropped ? ` (${dropped} left out for missing values)` : ""}`);
    for (const [k, m] of Object.entries(evaluation.metrics)) console.log(`  ${k.padEnd(18)} ${short(m)}`);
    if (evaluation.confusionMatrix && evaluation.classes) {
      console.log(`confusion matrix (rows: true, columns: predicted; ${evaluation.classes.join(", ")})`);
      for (const row of evaluation.confusionMatrix) console.log(`  ${row.map((c) => String(c).padStart(6)).join("")}`);
    }
  });
}
