// `ingot llm eval <model> --template t.yaml --data d.jsonl` scores a prompt template on a labelled set,
// and `ingot llm prompts register|show` versions templates in the registry. <model> is a .gguf file or a
// registered LLM (`name`, `name@2`, `name@production`); a template is a YAML file or a registered prompt.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import type { LlmEngine } from "../llm/engine.js";
import { evaluatePrompt, loadPromptDataset, loadPromptTemplate, loadRegisteredPrompt, PROMPT_METRICS, promptTemplateToYaml, registerPrompt, type PromptMetric, type PromptTemplate } from "../llm/prompts/index.js";
import { parseModelRef, readLlmArchitecture } from "../llm/registry-source.js";
import { loadLlm } from "../llm/runtime.js";
import type { Registry } from "../registry/index.js";
import { positiveInt, registryOptions, withRegistry } from "./runs.js";

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

/** The GGUF path of `model`: the file itself, or the registered LLM's copy. */
async function ggufPath(registry: Registry, model: string): Promise<string> {
  if (await isFile(model)) return model;
  if (/\.gguf$/i.test(model)) throw new Error(`${model}: no such file`);
  const { name, selector } = parseModelRef(model);
  const v = await registry.getVersion(name, "version" in selector ? selector.version : { alias: selector.alias });
  const arch = await readLlmArchitecture(v.path);
  if (!arch) throw new Error(`model "${name}" version ${v.version} is not an LLM`);
  return join(v.path, arch.file);
}

async function template(registry: Registry, ref: string): Promise<{ template: PromptTemplate; label: string }> {
  if (await isFile(ref)) return { template: await loadPromptTemplate(ref), label: ref };
  if (/\.(ya?ml|json)$/i.test(ref)) throw new Error(`${ref}: no such file`);
  const p = await loadRegisteredPrompt(registry, ref);
  return { template: p.template, label: `${p.name}@${p.version}` };
}

function metricOf(v: string): PromptMetric {
  if (!(PROMPT_METRICS as readonly string[]).includes(v)) throw new Error(`--metric must be one of ${PROMPT_METRICS.join(", ")}, got "${v}"`);
  return v as PromptMetric;
}

interface EvalOpts {
  template: string;
  data: string;
  metric: string;
  maxTokens?: string;
  context?: string;
  show?: string;
  logRun?: string;
  root?: string;
  json?: boolean;
}

/** Registers `ingot llm eval` and `ingot llm prompts ...` on the `llm` command. */
export function registerLlmPrompt(llm: Command): void {
  registryOptions(
    llm
      .command("eval <model>")
      .description("score a prompt template on a labelled set (JSON Lines of {vars, expected}) with greedy decoding")
      .requiredOption("--template <fileOrPrompt>", "a template YAML file, or a registered prompt (name, name@2, name@production)")
      .requiredOption("--data <file>", "the labelled set, JSON Lines")
      .option("--metric <metric>", `${PROMPT_METRICS.join(" | ")}`, "accuracy")
      .option("--max-tokens <n>", "most tokens per answer (default: the template's maxTokens, else 64)")
      .option("--context <n>", "context size to allocate")
      .option("--show <n>", "print the first n answers", "5")
      .option("--log-run <experiment>", "record the score as a run of this experiment in the registry"),
  ).action(async (model: string, opts: EvalOpts) => {
    const metric = metricOf(opts.metric);
    const maxTokens = opts.maxTokens === undefined ? undefined : positiveInt(opts.maxTokens, "--max-tokens");
    const contextSize = opts.context === undefined ? undefined : positiveInt(opts.context, "--context");
    const showText = opts.show ?? "5";
    if (!/^\d+$/.test(showText)) throw new Error(`--show must be a whole number, got "${showText}"`);
    const show = Number(showText);
    const dataset = await loadPromptDataset(opts.data);
    await withRegistry(opts, async (registry) => {
      const { template: t, label } = await template(registry, opts.template);
      const path = await ggufPath(registry, model);
      let engine: LlmEngine | null = null;
      try {
        engine = await loadLlm(path, { ...(contextSize !== undefined && { contextSize }) });
        const e = await evaluatePrompt(engine, t, dataset, { metric, ...(maxTokens !== undefined && { maxTokens }) });
        if (opts.logRun !== undefined) {
          const run = await registry.startRun({ experiment: opts.logRun, name: `prompt ${label}`, params: { model, template: label, metric, examples: e.total } });
          await registry.logMetric(run.id, metric, e.score);
          await registry.logArtifact(run.id, new TextEncoder().encode(JSON.stringify(e.results, null, 2)), "prompt-eval.json");
          await registry.endRun(run.id);
        }
        if (opts.json) return void console.log(JSON.stringify({ model, template: label, data: opts.data, ...e }));
        console.log(`${label} on ${opts.data} with ${model}: ${metric} ${e.score.toFixed(4)} (${e.passed}/${e.total})`);
        for (const r of e.results.slice(0, show)) console.log(`  ${r.pass ? "✓" : "✗"} ${JSON.stringify(r.output.slice(0, 80))}${r.expected !== undefined ? ` (expected ${JSON.stringify(r.expected)})` : ""}`);
      } finally {
        await engine?.close();
      }
    });
  });

  const prompts = llm.command("prompts").description("prompt templates versioned in the registry");
  registryOptions(prompts.command("register <name>").description("register a template file as the next version of a prompt"))
    .requiredOption("--template <file>", "the template YAML file")
    .option("--alias <alias>", "point this alias at the new version (e.g. production)")
    .option("--notes <text>", "notes for the version")
    .action(async (name: string, opts: { template: string; alias?: string; notes?: string; root?: string; json?: boolean }) => {
      const t = await loadPromptTemplate(opts.template);
      const v = await withRegistry(opts, (r) => registerPrompt(r, name, t, { alias: opts.alias, notes: opts.notes }));
      if (opts.json) return void console.log(JSON.stringify(v));
      console.log(`registered prompt ${name} version ${v.version}${opts.alias ? ` (${opts.alias})` : ""}`);
    });
  registryOptions(prompts.command("show <prompt>").description("print a registered prompt (name, name@2, name@production) as YAML"))
    .action(async (ref: string, opts: { root?: string; json?: boolean }) => {
      const p = await withRegistry(opts, (r) => loadRegisteredPrompt(r, ref));
      if (opts.json) return void console.log(JSON.stringify(p));
      process.stdout.write(`# ${p.name} version ${p.version}\n${promptTemplateToYaml(p.template)}`);
    });
}
