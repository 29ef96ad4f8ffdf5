// The drift reference: a compact profile of the training inputs (and the model's training-set
// predictions) saved beside the model as drift-reference.json, so live traffic can be compared with
// what the model was trained on without keeping the training data around.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeAll, writeFileAtomic } from "../io/atomic.js";
import type { FeatureRow } from "../serve/features.js";
import { MonitorError } from "./errors.js";
import { binIndex } from "./stats.js";

/** The file a model directory keeps its drift reference in. */
export const DRIFT_REFERENCE_FILE = "drift-reference.json";
/** The `format` tag of a drift reference file. */
export const DRIFT_REFERENCE_FORMAT = "ingot.drift-reference";

/** A numeric field (or a text field measured by its length in characters), binned at its quantiles. */
export interface NumericFeatureReference {
  field: string;
  kind: "numeric" | "text";
  /** Ascending interior cut points; bin k holds edges[k−1] < x ≤ edges[k] (first and last open-ended). */
  edges: number[];
  /** Reference rows per bin (edges.length + 1 of them). */
  counts: number[];
  /** Rows where the field was null, missing or not readable as its kind. */
  missing: number;
  /**
   * Up to SAMPLE_SIZE evenly spaced order statistics of the values (all of them when fewer), for the
   * KS test: they trace the reference CDF at least as well as a random sample of the same size.
   */
  sample: number[];
}

/** A categorical field: its most frequent categories and everything else as "other". */
export interface CategoricalFeatureReference {
  field: string;
  kind: "categorical";
  /** The top-K categories, most frequent first. */
  categories: string[];
  /** Reference rows per category, then one more for all other categories. */
  counts: number[];
  missing: number;
}

/** One field's reference profile. */
export type FeatureReference = NumericFeatureReference | CategoricalFeatureReference;

/** What driftReference produces and drift-reference.json holds. */
export interface DriftReference {
  format: typeof DRIFT_REFERENCE_FORMAT;
  formatVersion: 1;
  createdAt: number;
  /** Reference rows profiled. */
  rows: number;
  features: FeatureReference[];
  /** The training-set predictions (see predictionScore), or null when none were given. */
  scores: FeatureReference | null;
}

/** Options for driftReference. */
export interface DriftReferenceOptions {
  /** Fields to profile (default: every field of the rows). */
  fields?: string[];
  /** Quantile bins per numeric field (default 10). */
  bins?: number;
  /** String fields to treat as free text (their length is profiled) regardless of how varied they are. */
  textFields?: string[];
  /** Most categories kept per categorical field before the rest become "other" (default 20). */
  topK?: number;
  /** The model's predicted scores (numbers) or classes (strings) on the reference rows; see predictionScore. */
  scores?: (number | string)[];
}

/** Most values kept per numeric field for the KS test. */
export const SAMPLE_SIZE = 2000;
/** A string field whose distinct values exceed this share of its rows (and TEXT_MIN_DISTINCT) is text. */
const TEXT_DISTINCT_RATIO = 0.5;
const TEXT_MIN_DISTINCT = 20;

type Cell = FeatureRow[string] | undefined;

/** A numeric field's value, or NaN when it is missing or not a finite number. */
export function numericValue(v: Cell): number {
  return typeof v === "number" && Number.isFinite(v) ? v : NaN;
}

/** A text field's length in characters (code points), or NaN when it is not a string. */
export function textValue(v: Cell): number {
  return typeof v === "string" ? [...v].length : NaN;
}

/** A categorical field's value as a string, or null when missing. */
export function categoryValue(v: Cell): string | null {
  return v === null || v === undefined ? null : String(v);
}

function evenlySpaced(sorted: Float64Array, k: number): number[] {
  if (sorted.length <= k) return Array.from(sorted);
  return Array.from({ length: k }, (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (k - 1))]);
}

/** The numeric reference of `values` (NaN = missing). */
export function numericReference(field: string, kind: "numeric" | "text", values: readonly number[], bins: number): NumericFeatureReference {
  const present = Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort();
  const edges: number[] = [];
  if (present.length > 0) {
    for (let i = 1; i < bins; i++) {
      // an observed value (inverted-CDF quantile), not an interpolated one: cuts between the values
      // of discrete data would make bins no row can fall in
      const e = present[Math.max(0, Math.ceil((i / bins) * present.length) - 1)];
      // discrete data repeat quantiles; equal edges would make empty bins
      if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
    }
  }
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of present) counts[binIndex(edges, v)]++;
  return { field, kind, edges, counts, missing: values.length - present.length, sample: evenlySpaced(present, SAMPLE_SIZE) };
}

/** The categorical reference of `values` (null = missing). */
export function categoricalReference(field: string, values: readonly (string | null)[], topK: number): CategoricalFeatureReference {
  const freq = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (v === null) missing++;
    else freq.set(v, (freq.get(v) ?? 0) + 1);
  }
  const ranked = [...freq.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const kept = ranked.slice(0, topK);
  const other = ranked.slice(topK).reduce((s, [, c]) => s + c, 0);
  return { field, kind: "categorical", categories: kept.map(([c]) => c), counts: [...kept.map(([, c]) => c), other], missing };
}

function fieldKind(values: readonly Cell[], isText: boolean): FeatureReference["kind"] {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length > 0 && present.every((v) => typeof v === "number")) return "numeric";
  if (isText) return "text";
  if (present.length > 0 && present.every((v) => typeof v === "string")) {
    const distinct = new Set(present).size;
    if (distinct >= TEXT_MIN_DISTINCT && distinct > TEXT_DISTINCT_RATIO * present.length) return "text";
  }
  return "categorical";
}

function checkOptions(opts: DriftReferenceOptions): { bins: number; topK: number } {
  const bins = opts.bins ?? 10;
  const topK = opts.topK ?? 20;
  if (!Number.isInteger(bins) || bins < 2) throw new MonitorError(`driftReference: bins must be an integer ≥ 2, got ${bins}`);
  if (!Number.isInteger(topK) || topK < 1) throw new MonitorError(`driftReference: topK must be an integer ≥ 1, got ${topK}`);
  return { bins, topK };
}

/** Profiles `values` of one field (or of the predictions) as the kind they look like. */
function profile(field: string, values: readonly Cell[], isText: boolean, bins: number, topK: number): FeatureReference {
  const kind = fieldKind(values, isText);
  if (kind === "numeric") return numericReference(field, kind, values.map(numericValue), bins);
  if (kind === "text") return numericReference(field, kind, values.map(textValue), bins);
  return categoricalReference(field, values.map(categoryValue), topK);
}

/**
 * Profiles training rows for drift monitoring: numeric fields as quantile bins plus a bounded sample
 * for KS, categorical fields as top-K category frequencies, free-text fields by their length.
 * `opts.scores` (the model's predictions on the same rows) enables prediction drift.
 */
export function driftReference(rows: readonly FeatureRow[], opts: DriftReferenceOptions = {}): DriftReference {
  const { bins, topK } = checkOptions(opts);
  if (rows.length === 0) throw new MonitorError("driftReference: no rows to profile");
  const fields = opts.fields ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const text = new Set(opts.textFields ?? []);
  const features = fields.map((field) => profile(field, rows.map((r) => (Object.hasOwn(r, field) ? r[field] : undefined)), text.has(field), bins, topK));
  let scores: FeatureReference | null = null;
  if (opts.scores) {
    if (opts.scores.length === 0) throw new MonitorError("driftReference: scores is empty; pass the model's predictions on the reference rows");
    scores = profile("prediction", opts.scores, false, bins, topK);
  }
  return { format: DRIFT_REFERENCE_FORMAT, formatVersion: 1, createdAt: Date.now(), rows: rows.length, features, scores };
}

/** Writes `<modelDir>/drift-reference.json` atomically (readers see the old file or the new one). */
export async function saveDriftReference(modelDir: string, ref: DriftReference): Promise<void> {
  const bytes = Buffer.from(`${JSON.stringify(ref)}\n`, "utf8");
  await writeFileAtomic(join(modelDir, DRIFT_REFERENCE_FILE), (fh) => writeAll(fh, bytes));
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === "number");

/** Why `f` is not a valid feature reference, or null when it is. */
function featureProblem(f: unknown): string | null {
  if (f === null || typeof f !== "object") return "is not an object";
  const o = f as Record<string, unknown>;
  if (typeof o.field !== "string") return "has no field name";
  if (!isCount(o.missing)) return "missing must be a count";
  if (!Array.isArray(o.counts) || !o.counts.every(isCount)) return "counts must be an array of counts";
  if (o.kind === "numeric" || o.kind === "text") {
    if (!isNumberArray(o.edges)) return "edges must be an array of numbers";
    if (o.counts.length !== o.edges.length + 1) return `has ${o.edges.length} edges but ${o.counts.length} counts (expected edges + 1)`;
    if (!isNumberArray(o.sample)) return "sample must be an array of numbers";
    return null;
  }
  if (o.kind === "categorical") {
    if (!Array.isArray(o.categories) || !o.categories.every((c) => typeof c === "string")) return "categories must be an array of strings";
    if (o.counts.length !== o.categories.length + 1) return `has ${o.categories.length} categories but ${o.counts.length} counts (expected categories + 1 for "other")`;
    return null;
  }
  return `has unknown kind ${JSON.stringify(o.kind)}`;
}

/** Checks a parsed drift-reference.json, naming the first problem. */
export function checkDriftReference(value: unknown, source: string): DriftReference {
  const fail = (what: string): never => {
    throw new MonitorError(`${source}: ${what}`);
  };
  if (value === null || typeof value !== "object") return fail("is not a JSON object");
  const o = value as Record<string, unknown>;
  if (o.format !== DRIFT_REFERENCE_FORMAT) fail(`format must be "${DRIFT_REFERENCE_FORMAT}", got ${JSON.stringify(o.format)}`);
  if (o.formatVersion !== 1) fail(`formatVersion ${JSON.stringify(o.formatVersion)} is not supported (expected 1)`);
  if (!Array.isArray(o.features)) return fail("features must be an array");
  o.features.forEach((f, i) => {
    const problem = featureProblem(f);
    if (problem) fail(`features[${i}] ${problem}`);
  });
  if (o.scores !== null && o.scores !== undefined) {
    const problem = featureProblem(o.scores);
    if (problem) fail(`scores ${problem}`);
  }
  return { ...(o as unknown as DriftReference), scores: (o.scores ?? null) as FeatureReference | null };
}

/** Reads `<modelDir>/drift-reference.json`; null when the model has none, a MonitorError when it is corrupt. */
export async function loadDriftReference(modelDir: string): Promise<DriftReference | null> {
  const path = join(modelDir, DRIFT_REFERENCE_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new MonitorError(`cannot read drift reference ${path}: ${(e as Error).message}`, { cause: e });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new MonitorError(`drift reference ${path} is corrupt: ${(e as Error).message}`, { cause: e });
  }
  return checkDriftReference(parsed, `drift reference ${path}`);
}
