// `ingot train <spec>`: trains, evaluates, logs and registers the model an experiment spec describes.
import type { Command } from "commander";
import { basename } from "node:path";
import { ExperimentDataError } from "../experiment/dataset.js";
import { runExperiment } from "../experiment/run-experiment.js";
import { ExperimentSpecError, loadExperimentSpec } from "../experiment/spec.js";
import { short, withRegistry } from "./runs.js";
import { runExample } from "./train-example.js";

/** Registers `ingot train`. */
export function registerTrain(program: Command): void {
  program
    .command("train [spec]")
    .description("train a model from an experiment spec (YAML or JSON; see examples/specs/), log the run and register the model; or run a model-zoo scenario with --example")
    .option("--quick", "shrink data, vocabulary and epochs for a fast smoke run")
    .option("--example <name>", "run examples/<name>.ts (spam-mlp, gpt-moby, gan, rl-cartpole, ...) instead of a spec")
    .option("--seed <n>", "seed for --example runs", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new Error(`--seed must be an integer, got "${v}"`);
      return n;
    })
    .option("--root <dir>", "registry folder (default: $INGOT_HOME or .ingot)")
    .option("--json", "print the result as one JSON line (the progress bar stays on stderr)")
    .action(async (specPath: string | undefined, opts: { quick?: boolean; root?: string; json?: boolean; example?: string; seed?: number }) => {
      if (opts.example !== undefined) {
        if (specPath !== undefined) throw new Error("give either a spec file or --example <name>, not both");
        const code = await runExample({ name: opts.example, quick: opts.quick, seed: opts.seed });
        if (code !== 0) throw new Error(`example ${opts.example} failed (exit code ${code}); its output is above`);
        return;
      }
      if (specPath === undefined) throw new Error("ingot train needs a spec file (see examples/specs/) or --example <name>");
      let spec;
      try {
        spec = await loadExperimentSpec(specPath);
      } catch (e) {
        // one line per problem in the library; one line for the terminal
        if (e instanceof ExperimentSpecError) throw new Error(e.message.split("\n").join("; "));
        throw e;
      }
      const result = await withRegistry(opts, (registry) =>
        runExperiment(spec, { registry, quick: opts.quick, progress: true }).catch((e: unknown) => {
          throw e instanceof ExperimentDataError ? new Error(`${basename(specPath)}: ${e.message}`) : e;
        }),
      );
      const summary = {
        experiment: spec.experiment, runId: result.runId, task: result.task, model: spec.register?.model ?? null, version: result.version ?? null,
        alias: spec.register?.alias ?? null, epochs: result.history.length, metrics: result.evaluation.metrics, durationMs: Math.round(result.durationMs),
      };
      if (opts.json) return void console.log(JSON.stringify(summary));
      const metrics = Object.entries(result.evaluation.metrics).map(([k, v]) => `${k} ${short(v)}`).join("  ");
      console.log(`run ${result.runId} finished in ${(result.durationMs / 1000).toFixed(1)}s (${result.history.length} epochs)`);
      console.log(`held-out ${result.evaluation.split}: ${metrics}`);
      if (spec.register) console.log(`registered ${spec.register.model} version ${result.version}${spec.register.alias ? ` as ${spec.register.alias}` : ""}`);
    });
}
