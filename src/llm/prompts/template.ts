// Prompt templates: text with `{{variables}}`, an optional system text and few-shot examples. A template
// is checked when it is made (the declared variables must be exactly those used, every example must
// fill every variable) and when it is rendered (a missing or an unused value is an error naming it), so
// a typo in a variable name fails loudly instead of sending a prompt with a hole in it.
import type { ChatMessage } from "../engine.js";

/** One worked example shown to the model before the real input. */
export interface FewShotExample {
  /** Values of the template's variables. */
  input: Record<string, string>;
  /** The answer the model should give. */
  output: string;
}

/** A prompt template (what a prompt YAML file holds). */
export interface PromptTemplate {
  /** A name for reports. */
  name?: string;
  /** "chat" (default): messages through the model's chat template; "completion": one plain text prompt. */
  mode: "chat" | "completion";
  /** The system message (chat) or the text put first (completion). */
  system?: string;
  /** The text with `{{variable}}` placeholders. */
  template: string;
  /** The variables, in order of first use (declared ones must match the template's exactly). */
  variables: string[];
  examples: FewShotExample[];
  /** Completion mode: what goes between shots and before the final input (default two newlines). */
  separator?: string;
  /** Generation settings used when the template is evaluated. */
  maxTokens?: number;
  stop?: string[];
  /** Constrain answers to JSON matching this schema. */
  jsonSchema?: Record<string, unknown>;
}

/** A template that is not well formed or a render with the wrong values; the message names the problem. */
export class PromptTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PromptTemplateError";
  }
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

const quoted = (names: string[]): string => names.map((n) => `"${n}"`).join(", ");

/** The variables `text` uses, in order of first use; a malformed placeholder is an error naming it. */
export function templateVariables(text: string, where = "template"): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (!VARIABLE.test(m[1])) throw new PromptTemplateError(`${where}: "${m[0]}" is not a variable (names are letters, digits and _, starting with a letter or _)`);
    if (!out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/** Fills the placeholders of `text`; every used variable needs a value and every value must be used. */
export function fillTemplate(text: string, values: Record<string, unknown>, where = "input"): string {
  const used = templateVariables(text);
  const given = Object.keys(values);
  const missing = used.filter((v) => !Object.hasOwn(values, v));
  const unused = given.filter((v) => !used.includes(v));
  if (missing.length) throw new PromptTemplateError(`${where}: missing value${missing.length > 1 ? "s" : ""} for ${quoted(missing)}`);
  if (unused.length) throw new PromptTemplateError(`${where}: ${quoted(unused)} ${unused.length > 1 ? "are" : "is"} not used by the template (it uses ${quoted(used) || "no variables"})`);
  for (const v of used) {
    const x = values[v];
    if (typeof x !== "string" && typeof x !== "number" && typeof x !== "boolean") throw new PromptTemplateError(`${where}: value of "${v}" must be a string, number or boolean`);
  }
  return text.replace(PLACEHOLDER, (_m, name: string) => String(values[name]));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Checks a parsed template description (from YAML or JSON) and returns the template. Errors name the
 * field (`examples[1].input`) and the variables at fault; `where` (e.g. the file name) prefixes them.
 */
export function definePromptTemplate(spec: unknown, where = "template"): PromptTemplate {
  const fail = (field: string, problem: string): never => {
    throw new PromptTemplateError(`${where}: ${field}: ${problem}`);
  };
  if (!isRecord(spec)) fail("body", "expected an object with a `template` field");
  const s = spec as Record<string, unknown>;
  const known = ["name", "mode", "system", "template", "variables", "examples", "separator", "maxTokens", "stop", "jsonSchema"];
  for (const k of Object.keys(s)) if (!known.includes(k)) fail(k, `unknown field (expected one of ${known.join(", ")})`);
  if (typeof s.template !== "string" || s.template === "") fail("template", "expected a non-empty string");
  const text = s.template as string;
  const mode = s.mode ?? "chat";
  if (mode !== "chat" && mode !== "completion") fail("mode", `expected "chat" or "completion", got ${JSON.stringify(mode)}`);
  for (const k of ["name", "system", "separator"] as const) if (s[k] !== undefined && typeof s[k] !== "string") fail(k, "expected a string");
  if (s.system !== undefined && templateVariables(s.system as string).length) fail("system", "must not contain {{variables}} (put them in template)");
  const used = templateVariables(text, `${where}: template`);
  if (s.variables !== undefined) {
    if (!Array.isArray(s.variables) || !s.variables.every((v) => typeof v === "string")) fail("variables", "expected a list of names");
    const declared = s.variables as string[];
    const missing = used.filter((v) => !declared.includes(v));
    const unused = declared.filter((v) => !used.includes(v));
    if (missing.length) fail("variables", `${quoted(missing)} ${missing.length > 1 ? "are" : "is"} used in the template but not declared`);
    if (unused.length) fail("variables", `${quoted(unused)} ${unused.length > 1 ? "are" : "is"} declared but not used in the template`);
  }
  const examples: FewShotExample[] = [];
  if (s.examples !== undefined) {
    if (!Array.isArray(s.examples)) fail("examples", "expected a list of {input, output}");
    (s.examples as unknown[]).forEach((ex, i) => {
      const f = `examples[${i}]`;
      if (!isRecord(ex)) return fail(f, "expected {input: {...}, output: \"...\"}");
      if (!isRecord(ex.input)) return fail(`${f}.input`, "expected an object of variable values");
      if (typeof ex.output !== "string") return fail(`${f}.output`, "expected a string");
      try {
        fillTemplate(text, ex.input, `${f}.input`);
      } catch (e) {
        throw new PromptTemplateError(`${where}: ${(e as Error).message}`);
      }
      examples.push({ input: Object.fromEntries(Object.entries(ex.input).map(([k, v]) => [k, String(v)])), output: ex.output });
    });
  }
  if (s.maxTokens !== undefined && !(Number.isInteger(s.maxTokens) && (s.maxTokens as number) > 0)) fail("maxTokens", "expected a positive integer");
  if (s.stop !== undefined && !(Array.isArray(s.stop) && s.stop.every((x) => typeof x === "string" && x !== ""))) fail("stop", "expected a list of non-empty strings");
  if (s.jsonSchema !== undefined && !isRecord(s.jsonSchema)) fail("jsonSchema", "expected a JSON schema object");
  return {
    ...(s.name !== undefined && { name: s.name as string }),
    mode: mode as "chat" | "completion",
    ...(s.system !== undefined && { system: s.system as string }),
    template: text,
    variables: used,
    examples,
    ...(s.separator !== undefined && { separator: s.separator as string }),
    ...(s.maxTokens !== undefined && { maxTokens: s.maxTokens as number }),
    ...(s.stop !== undefined && { stop: s.stop as string[] }),
    ...(s.jsonSchema !== undefined && { jsonSchema: s.jsonSchema as Record<string, unknown> }),
  };
}

/** A rendered prompt: chat messages, or one completion text. */
export type RenderedPrompt = { mode: "chat"; messages: ChatMessage[] } | { mode: "completion"; prompt: string };

/** Renders `template` for `values`: the few-shot examples first, then the real input. */
export function renderPrompt(template: PromptTemplate, values: Record<string, unknown>, where = "input"): RenderedPrompt {
  const final = fillTemplate(template.template, values, where);
  if (template.mode === "chat") {
    const messages: ChatMessage[] = template.system ? [{ role: "system", content: template.system }] : [];
    for (const ex of template.examples) messages.push({ role: "user", content: fillTemplate(template.template, ex.input) }, { role: "assistant", content: ex.output });
    messages.push({ role: "user", content: final });
    return { mode: "chat", messages };
  }
  const sep = template.separator ?? "\n\n";
  const parts = [...(template.system ? [template.system] : []), ...template.examples.map((ex) => fillTemplate(template.template, ex.input) + ex.output), final];
  return { mode: "completion", prompt: parts.join(sep) };
}
