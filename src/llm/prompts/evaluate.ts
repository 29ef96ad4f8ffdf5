// Scoring a prompt template against a labelled set, so a prompt change is measured like a model change:
// every example is rendered, generated (greedy by default, so a score is reproducible) and judged.
import type { LlmGenerateOptions, LlmEngine } from "../engine.js";
import type { PromptExample } from "./files.js";
import { renderPrompt, PromptTemplateError, type PromptTemplate } from "./template.js";

/** How an answer is judged. */
export type PromptMetric = "accuracy" | "exact_match" | "json_valid";

/** The metrics evaluatePrompt knows. */
export const PROMPT_METRICS: readonly PromptMetric[] = ["accuracy", "exact_match", "json_valid"];

/** Options of evaluatePrompt. */
export interface EvaluatePromptOptions {
  metric: PromptMetric;
  /** Sampling (default greedy: temperature 0, seed 0). */
  temperature?: number;
  seed?: number;
  /** Most tokens per answer (default the template's maxTokens, else 64). */
  maxTokens?: number;
  /** Called after each example (for progress output). */
  onExample?: (result: ExampleResult, index: number, total: number) => void;
}

/** One judged example. */
export interface ExampleResult {
  vars: Record<string, string>;
  expected?: string;
  output: string;
  pass: boolean;
}

/** What evaluatePrompt returns. */
export interface PromptEvaluation {
  metric: PromptMetric;
  /** Passed / total, in [0, 1]. */
  score: number;
  passed: number;
  total: number;
  results: ExampleResult[];
  /** Tokens read and generated over the whole set. */
  promptTokens: number;
  completionTokens: number;
}

/** Lower case, single spaces, no surrounding punctuation or quotes. */
function normalize(s: string): string {
  return s.toLowerCase().replace(/\s+/g, " ").trim().replace(/^[\s"'`.,;:!?()[\]{}-]+|[\s"'`.,;:!?()[\]{}-]+$/g, "");
}

/**
 * Judges one answer. `exact_match`: the answer equals the expected text (surrounding whitespace
 * ignored). `accuracy`: for labels — the normalised answer (case, spacing, surrounding punctuation)
 * is the expected label or starts with it followed by a non-word character ("Positive." or
 * "positive, because ..."). `json_valid`: the answer parses as JSON (expected is not used).
 */
export function judgeAnswer(metric: PromptMetric, output: string, expected: string | undefined): boolean {
  if (metric === "json_valid") {
    try {
      JSON.parse(output);
      return true;
    } catch {
      return false;
    }
  }
  if (expected === undefined) throw new PromptTemplateError(`metric ${metric} needs an "expected" answer on every example`);
  if (metric === "exact_match") return output.trim() === expected.trim();
  const a = normalize(output);
  const e = normalize(expected);
  if (e === "") return a === "";
  return a === e || (a.startsWith(e) && /^\W/.test(a.slice(e.length)));
}

/** Scores `template` on `dataset` with `engine`; examples run one after another (deterministic order). */
export async function evaluatePrompt(engine: LlmEngine, template: PromptTemplate, dataset: PromptExample[], opts: EvaluatePromptOptions): Promise<PromptEvaluation> {
  if (!PROMPT_METRICS.includes(opts.metric)) throw new PromptTemplateError(`metric: expected one of ${PROMPT_METRICS.join(", ")}, got ${JSON.stringify(opts.metric)}`);
  if (!dataset.length) throw new PromptTemplateError("dataset: no examples");
  if (opts.metric !== "json_valid") {
    const i = dataset.findIndex((d) => d.expected === undefined);
    if (i >= 0) throw new PromptTemplateError(`dataset[${i}]: metric ${opts.metric} needs an "expected" answer`);
  }
  // render everything first: a bad row fails before any generation time is spent
  const rendered = dataset.map((d, i) => renderPrompt(template, d.vars, `dataset[${i}]`));
  const gen: LlmGenerateOptions = {
    temperature: opts.temperature ?? 0,
    seed: opts.seed ?? 0,
    maxTokens: opts.maxTokens ?? template.maxTokens ?? 64,
    ...(template.stop && { stop: template.stop }),
    ...(template.jsonSchema && { jsonSchema: template.jsonSchema }),
  };
  const results: ExampleResult[] = [];
  let promptTokens = 0;
  let completionTokens = 0;
  for (let i = 0; i < dataset.length; i++) {
    const p = rendered[i];
    const r = p.mode === "chat" ? await engine.chat(p.messages, gen) : await engine.complete(p.prompt, gen);
    promptTokens += r.promptTokens;
    completionTokens += r.completionTokens;
    const result: ExampleResult = { vars: dataset[i].vars, ...(dataset[i].expected !== undefined && { expected: dataset[i].expected }), output: r.text, pass: judgeAnswer(opts.metric, r.text, dataset[i].expected) };
    results.push(result);
    opts.onExample?.(result, i, dataset.length);
  }
  const passed = results.filter((r) => r.pass).length;
  return { metric: opts.metric, score: passed / results.length, passed, total: results.length, results, promptTokens, completionTokens };
}
