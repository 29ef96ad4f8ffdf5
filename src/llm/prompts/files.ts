// Reading prompt templates (YAML or JSON) and labelled sets (JSON Lines) from disk; errors name the file
// and the line, so a broken row in a thousand-line set is found at once.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseDocument, stringify } from "yaml";
import { definePromptTemplate, PromptTemplateError, type PromptTemplate } from "./template.js";

/** One labelled example: values for the template's variables and the expected answer. */
export interface PromptExample {
  vars: Record<string, string>;
  /** The expected answer (unused by the json_valid metric). */
  expected?: string;
}

async function read(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new PromptTemplateError(`${path}: cannot read the ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Parses template text (YAML, or JSON which is YAML); syntax errors give the line and column. */
export function parsePromptTemplate(text: string, file = "template"): PromptTemplate {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    throw new PromptTemplateError(`${file}${pos ? `:${pos.line}:${pos.col}` : ""}: syntax error: ${err.message.split("\n")[0].replace(/ at line \d+, column \d+.*$/, "")}`);
  }
  if (doc.contents === null) throw new PromptTemplateError(`${file}: empty; expected a mapping with a template field`);
  return definePromptTemplate(doc.toJS() as unknown, file);
}

/** Reads and checks a template file. */
export async function loadPromptTemplate(path: string): Promise<PromptTemplate> {
  return parsePromptTemplate(await read(path, "prompt template"), basename(path));
}

/** The template as YAML text (what registerPrompt stores beside config.json for people to read). */
export function promptTemplateToYaml(t: PromptTemplate): string {
  return stringify(t, { lineWidth: 0 });
}

function scalar(v: unknown): string | null {
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : null;
}

/**
 * Parses a labelled set in JSON Lines: each line `{"vars": {...}, "expected": "..."}`, or flat
 * `{"review": "...", "expected": "..."}` where every field but `expected` is a variable. Blank lines are
 * skipped; errors give the line number.
 */
export function parsePromptDataset(text: string, file = "data"): PromptExample[] {
  const out: PromptExample[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${file}:${i + 1}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new PromptTemplateError(`${where}: not valid JSON: ${(e as Error).message}`);
    }
    if (row === null || typeof row !== "object" || Array.isArray(row)) throw new PromptTemplateError(`${where}: expected an object like {"vars": {...}, "expected": "..."}`);
    const r = row as Record<string, unknown>;
    const rawVars = "vars" in r ? r.vars : Object.fromEntries(Object.entries(r).filter(([k]) => k !== "expected"));
    if (rawVars === null || typeof rawVars !== "object" || Array.isArray(rawVars)) throw new PromptTemplateError(`${where}: "vars" must be an object of variable values`);
    const vars: Record<string, string> = {};
    for (const [k, v] of Object.entries(rawVars)) {
      const s = scalar(v);
      if (s === null) throw new PromptTemplateError(`${where}: value of "${k}" must be a string, number or boolean`);
      vars[k] = s;
    }
    if ("vars" in r && Object.keys(r).some((k) => k !== "vars" && k !== "expected")) throw new PromptTemplateError(`${where}: unexpected fields beside "vars" and "expected"`);
    let expected: string | undefined;
    if (r.expected !== undefined) {
      // a structured expectation (JSON answers) is compared as its JSON text
      expected = scalar(r.expected) ?? JSON.stringify(r.expected);
    }
    out.push({ vars, ...(expected !== undefined && { expected }) });
  });
  if (!out.length) throw new PromptTemplateError(`${file}: no examples (expected one JSON object per line)`);
  return out;
}

/** Reads a labelled set file. */
export async function loadPromptDataset(path: string): Promise<PromptExample[]> {
  return parsePromptDataset(await read(path, "labelled set"), basename(path));
}
