// The experiment spec: one YAML or JSON file that says which data, which preprocessing, which network,
// how to train it and where to register it. Validated with zod; every error names the file and the
// path of the bad field (`spam.yaml: training.epochs: expected a positive integer, got -1`).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { isDataset } from "../data/catalog.js";

/** A spec file that cannot be read, parsed or validated; the message names the file and the field. */
export class ExperimentSpecError extends Error {
  override name = "ExperimentSpecError";
}

function show(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return "a list";
  if (v !== null && typeof v === "object") return "a mapping";
  return String(v);
}

/** An error function for zod: "expected <what>, got <input>" (or "missing" for an absent key). */
const expected = (what: string) => (iss: { input?: unknown }): string => (iss.input === undefined ? `missing (expected ${what})` : `expected ${what}, got ${show(iss.input)}`);

const positiveInt = (what = "a positive integer") => z.int({ error: expected(what) }).positive({ error: expected(what) });
const nonNegativeInt = (what = "an integer >= 0") => z.int({ error: expected(what) }).nonnegative({ error: expected(what) });
const fraction = (what = "a fraction between 0 and 1 (exclusive)") => z.number({ error: expected(what) }).gt(0, { error: expected(what) }).lt(1, { error: expected(what) });
const positive = (what = "a positive number") => z.number({ error: expected(what) }).positive({ error: expected(what) });
const bool = () => z.boolean({ error: expected("true or false") });
const name = (what = "a non-empty name") => z.string({ error: expected(what) }).min(1, { error: expected(what) });
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: expected(`one of ${values.map((v) => `"${v}"`).join(", ")}`) });
const mapping = <S extends z.ZodRawShape>(shape: S) => z.strictObject(shape, { error: expected("a mapping") });

const splitSchema = mapping({
  test: fraction().default(0.2),
  validation: fraction().optional(),
  stratify: bool().default(true),
  seed: nonNegativeInt().default(0),
});

const dataSchema = mapping({
  /** A catalog dataset name (see `ingot data list`) or a data file (CSV, TSV, JSON, JSONL, Parquet). */
  source: name("a catalog dataset name or a file path"),
  target: name("a column name"),
  /** The text column, for text data. */
  text: name("a column name").optional(),
  /** The feature columns, for tabular data. */
  features: z.array(name("a column name"), { error: expected("a list of column names") }).min(1, { error: expected("a non-empty list of column names") }).optional(),
  split: splitSchema.prefault({}),
});

const cleanSchema = mapping({
  stripEmailHeaders: bool().optional(),
  stripHtml: bool().optional(),
  lowercase: bool().optional(),
  normalizeWhitespace: bool().optional(),
});

const tfidfSchema = mapping({
  maxFeatures: positiveInt().optional(),
  ngramRange: z.tuple([positiveInt(), positiveInt()], { error: expected("a pair [minN, maxN] of positive integers") }).default([1, 1]),
  minDf: positiveInt("a document count >= 1").default(1),
  maxDf: z.number({ error: expected("a fraction in (0, 1]") }).gt(0, { error: expected("a fraction in (0, 1]") }).max(1, { error: expected("a fraction in (0, 1]") }).default(1),
  sublinearTf: bool().default(false),
});

const preprocessingSchema = mapping({
  /** Text: cleaning before tokenising (default: lower-case only). */
  clean: cleanSchema.optional(),
  /** Text: TF-IDF options (defaults when absent). */
  tfidf: tfidfSchema.optional(),
  /** Tabular: how numeric columns are scaled (default standard). Categorical columns are one-hot encoded. */
  scale: oneOf(["standard", "minmax", "robust"]).optional(),
});

/** Activations an MLP spec may name. */
export const ACTIVATIONS = ["relu", "gelu", "tanh", "sigmoid", "leakyRelu", "silu", "elu"] as const;

const modelSchema = mapping({
  type: oneOf(["mlp"]).default("mlp"),
  hidden: z.array(positiveInt("a positive layer width"), { error: expected("a list of layer widths") }).default([64]),
  activation: oneOf(ACTIVATIONS).default("relu"),
  dropout: z.number({ error: expected("a probability in [0, 1)") }).min(0, { error: expected("a probability in [0, 1)") }).lt(1, { error: expected("a probability in [0, 1)") }).default(0),
});

const earlyStoppingSchema = mapping({
  patience: nonNegativeInt().default(3),
  monitor: name("an epoch log name such as valLoss or valAccuracy").default("valLoss"),
  restoreBestWeights: bool().default(true),
});

const trainingSchema = mapping({
  epochs: positiveInt().default(20),
  batchSize: positiveInt().default(32),
  lr: positive().default(1e-3),
  optimizer: oneOf(["adam", "adamw", "sgd"]).default("adam"),
  weightDecay: z.number({ error: expected("a number >= 0") }).min(0, { error: expected("a number >= 0") }).default(0),
  seed: nonNegativeInt().default(0),
  earlyStopping: earlyStoppingSchema.optional(),
});

const registerSchema = mapping({
  model: z.string({ error: expected("a model name") }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, { error: expected("a model name of letters, digits, '.', '_' or '-'") }),
  alias: z.string({ error: expected("an alias name") }).regex(/^[A-Za-z][A-Za-z0-9._-]{0,63}$/, { error: expected("an alias of letters, digits, '.', '_' or '-' starting with a letter") }).optional(),
  notes: z.string({ error: expected("a string") }).default(""),
});

/** The zod schema of an experiment spec (defaults filled in). */
export const experimentSpecSchema = mapping({
  experiment: name("an experiment name"),
  description: z.string({ error: expected("a string") }).optional(),
  data: dataSchema,
  preprocessing: preprocessingSchema.prefault({}),
  model: modelSchema.prefault({}),
  training: trainingSchema.prefault({}),
  register: registerSchema.optional(),
}).superRefine((s, ctx) => {
  const text = s.data.text !== undefined;
  if (text === (s.data.features !== undefined)) {
    ctx.addIssue({ code: "custom", path: ["data"], message: "give exactly one of text (a text column) or features (a list of tabular columns)" });
  }
  if (text && s.preprocessing.scale !== undefined) ctx.addIssue({ code: "custom", path: ["preprocessing", "scale"], message: "scale applies to tabular features, but data.text makes this a text experiment" });
  if (!text) {
    for (const k of ["clean", "tfidf"] as const) {
      if (s.preprocessing[k] !== undefined) ctx.addIssue({ code: "custom", path: ["preprocessing", k], message: `${k} applies to text, but data.features makes this a tabular experiment` });
    }
  }
  const range = s.preprocessing.tfidf?.ngramRange;
  if (range && range[0] > range[1]) ctx.addIssue({ code: "custom", path: ["preprocessing", "tfidf", "ngramRange"], message: `expected minN <= maxN, got [${range.join(", ")}]` });
  const { test, validation } = s.data.split;
  if (validation !== undefined && test + validation >= 1) ctx.addIssue({ code: "custom", path: ["data", "split"], message: `test (${test}) + validation (${validation}) must leave rows to train on (sum < 1)` });
  if (s.training.earlyStopping && validation === undefined && /^val/.test(s.training.earlyStopping.monitor)) {
    ctx.addIssue({ code: "custom", path: ["training", "earlyStopping", "monitor"], message: `monitors "${s.training.earlyStopping.monitor}" but data.split has no validation share` });
  }
});

/** A validated experiment spec, defaults filled in. */
export type ExperimentSpec = z.output<typeof experimentSpecSchema>;

/** A path as the error messages write it: `data.split.test`, `model.hidden[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : `${out ? "." : ""}${String(p)}`;
  return out || "(top level)";
}

/** One line per problem: `<file>: <path>: <message>`. */
function formatIssues(file: string, error: z.ZodError): string {
  const lines = error.issues.map((iss) => {
    if (iss.code === "unrecognized_keys") {
      return iss.keys.map((k) => `${file}: ${formatPath([...iss.path, k])}: unknown key`).join("\n");
    }
    return `${file}: ${formatPath(iss.path)}: ${iss.message}`;
  });
  return lines.join("\n");
}

/**
 * Validates parsed spec data. `file` labels the errors; `baseDir` resolves a relative data file path
 * (the spec's folder). Throws ExperimentSpecError listing every problem, one per line.
 */
export function parseExperimentSpec(data: unknown, file = "spec", baseDir = process.cwd()): ExperimentSpec {
  const r = experimentSpecSchema.safeParse(data);
  if (!r.success) throw new ExperimentSpecError(formatIssues(file, r.error));
  const spec = r.data;
  const source = spec.data.source;
  if (!isDataset(source)) {
    const path = isAbsolute(source) ? source : resolve(baseDir, source);
    if (!existsSync(path)) throw new ExperimentSpecError(`${file}: data.source: "${source}" is neither a catalog dataset (see: ingot data list) nor a file`);
    spec.data.source = path;
  }
  return spec;
}

/** Parses YAML (or JSON, which is YAML) text; syntax errors give the line and column. */
export function parseSpecText(text: string, file = "spec"): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    const where = pos ? `:${pos.line}:${pos.col}` : "";
    throw new ExperimentSpecError(`${file}${where}: syntax error: ${err.message.split("\n")[0].replace(/ at line \d+, column \d+.*$/, "")}`);
  }
  if (doc.contents === null) throw new ExperimentSpecError(`${file}: the spec is empty; expected a mapping with experiment, data, model, training`);
  return doc.toJS() as unknown;
}

/** Reads and validates an experiment spec file (YAML or JSON). Errors name the file and the field. */
export async function loadExperimentSpec(path: string): Promise<ExperimentSpec> {
  const file = basename(path);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ExperimentSpecError(code === "ENOENT" ? `${path}: no such spec file` : `${path}: cannot read: ${(e as Error).message}`);
  }
  return parseExperimentSpec(parseSpecText(text, file), file, dirname(resolve(path)));
}
