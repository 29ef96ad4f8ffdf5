// Categorical encoders with scikit-learn's conventions: categories are the sorted distinct training values
// (numbers and booleans are compared as their string form), and what to do with a category never seen in
// training is an explicit choice, because at serving time it always happens.
import type { Column, Table } from "../table.js";
import {
  assertFitted, categoryValues, checkColumns, checkJSON, replaceColumns, type TableTransform, type TransformJSON,
} from "./transform.js";

/** Unseen categories at transform time: throw, encode as all zeros, or send to the "infrequent" bucket. */
export type HandleUnknown = "error" | "ignore" | "infrequent";

/** OneHotEncoder options. */
export interface OneHotEncoderOptions {
  /** Default "error". "infrequent" also needs minFrequency to bucket rare training categories. */
  handleUnknown?: HandleUnknown;
  /** Training categories seen fewer than this many times go to the infrequent bucket (default 1: none). */
  minFrequency?: number;
}

/** The name of the infrequent/unknown bucket's output column suffix. */
export const INFREQUENT = "infrequent";

function distinctCounts(values: readonly (string | null)[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

// Sorted by code unit, like Python's sorted() on str for the BMP.
function sortedKeys(m: Map<string, number>): string[] {
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * One output column per training category, named `column=category`; with "infrequent", rare and unseen
 * categories share a last `column=infrequent` column — always present with "infrequent" (scikit-learn only adds
 * it when training had rare categories) so unseen serving values have a place. Missing values encode as all zeros.
 */
export class OneHotEncoder implements TableTransform {
  readonly kind = "OneHotEncoder";
  readonly columns: string[];
  readonly handleUnknown: HandleUnknown;
  readonly minFrequency: number;
  private cats: { frequent: string[] }[] | null = null;

  constructor(columns: readonly string[], opts: OneHotEncoderOptions = {}) {
    this.columns = checkColumns("OneHotEncoder", columns);
    this.handleUnknown = opts.handleUnknown ?? "error";
    if (!["error", "ignore", "infrequent"].includes(this.handleUnknown)) throw new TypeError(`OneHotEncoder: handleUnknown must be "error", "ignore" or "infrequent", got ${JSON.stringify(this.handleUnknown)}`);
    this.minFrequency = opts.minFrequency ?? 1;
    if (!Number.isInteger(this.minFrequency) || this.minFrequency < 1) throw new RangeError(`OneHotEncoder: minFrequency must be an integer >= 1, got ${this.minFrequency}`);
    // without a bucket, rare training categories would have nowhere to go
    if (this.minFrequency > 1 && this.handleUnknown !== "infrequent") throw new TypeError(`OneHotEncoder: minFrequency ${this.minFrequency} needs handleUnknown "infrequent" (rare categories go to its bucket)`);
  }

  fit(table: Table): this {
    this.cats = this.columns.map((name) => {
      const counts = distinctCounts(categoryValues(table.column(name)));
      return { frequent: sortedKeys(counts).filter((c) => (counts.get(c) ?? 0) >= this.minFrequency) };
    });
    return this;
  }

  /** The fitted categories per input column (frequent ones only). */
  get categories(): string[][] {
    return assertFitted(this.kind, this.cats).map((c) => c.frequent.slice());
  }

  outputColumns(): string[] {
    const cats = assertFitted(this.kind, this.cats);
    return this.columns.flatMap((name, j) => {
      const names = cats[j].frequent.map((c) => `${name}=${c}`);
      if (this.handleUnknown === "infrequent") names.push(`${name}=${INFREQUENT}`);
      return names;
    });
  }

  transform(table: Table): Table {
    const cats = assertFitted(this.kind, this.cats);
    const outs: Column[] = [];
    this.columns.forEach((name, j) => {
      const values = categoryValues(table.column(name));
      const index = new Map(cats[j].frequent.map((c, k) => [c, k]));
      const width = cats[j].frequent.length + (this.handleUnknown === "infrequent" ? 1 : 0);
      const cols = Array.from({ length: width }, () => new Float64Array(values.length));
      values.forEach((v, i) => {
        if (v === null) return;
        const k = index.get(v);
        if (k !== undefined) cols[k][i] = 1;
        else if (this.handleUnknown === "infrequent") cols[width - 1][i] = 1;
        else if (this.handleUnknown === "error") {
          throw new Error(`OneHotEncoder: column "${name}" row ${i} has category ${JSON.stringify(v)} not seen in training (use handleUnknown "ignore" or "infrequent")`);
        }
      });
      const names = cats[j].frequent.map((c) => `${name}=${c}`);
      if (this.handleUnknown === "infrequent") names.push(`${name}=${INFREQUENT}`);
      names.forEach((n, k) => outs.push({ name: n, type: "number", values: cols[k] }));
    });
    return replaceColumns(table, this.columns, outs);
  }

  fitTransform(table: Table): Table {
    return this.fit(table).transform(table);
  }

  toJSON(): TransformJSON {
    const cats = assertFitted(this.kind, this.cats);
    return { kind: this.kind, columns: this.columns, handleUnknown: this.handleUnknown, minFrequency: this.minFrequency, categories: cats.map((c) => c.frequent) };
  }

  /** Rebuilds a fitted encoder from toJSON() output. */
  static fromJSON(json: unknown): OneHotEncoder {
    const o = checkJSON("OneHotEncoder.fromJSON", json, "OneHotEncoder", ["columns", "handleUnknown", "minFrequency", "categories"]);
    const e = new OneHotEncoder(o.columns as string[], { handleUnknown: o.handleUnknown as HandleUnknown, minFrequency: o.minFrequency as number });
    const cats = checkCategories("OneHotEncoder.fromJSON", o.categories, e.columns.length);
    e.cats = cats.map((frequent) => ({ frequent }));
    return e;
  }
}

function checkCategories(op: string, cats: unknown, n: number): string[][] {
  if (!Array.isArray(cats) || cats.length !== n || !cats.every((c) => Array.isArray(c) && c.every((x) => typeof x === "string"))) {
    throw new TypeError(`${op}: categories must be ${n} arrays of strings (one per column)`);
  }
  return cats as string[][];
}

/** Replaces each category by its index among the sorted training categories; unknowns get `unknownValue`. */
export class OrdinalEncoder implements TableTransform {
  readonly kind = "OrdinalEncoder";
  readonly columns: string[];
  /** The code for categories not seen in training (default -1, outside 0..k-1). */
  readonly unknownValue: number;
  private cats: string[][] | null = null;

  constructor(columns: readonly string[], opts: { unknownValue?: number } = {}) {
    this.columns = checkColumns("OrdinalEncoder", columns);
    this.unknownValue = opts.unknownValue ?? -1;
    if (typeof this.unknownValue !== "number" || !Number.isFinite(this.unknownValue)) throw new TypeError(`OrdinalEncoder: unknownValue must be a finite number, got ${String(this.unknownValue)}`);
  }

  fit(table: Table): this {
    this.cats = this.columns.map((name) => sortedKeys(distinctCounts(categoryValues(table.column(name)))));
    if (this.cats.some((c) => this.unknownValue >= 0 && this.unknownValue < c.length && Number.isInteger(this.unknownValue))) {
      throw new RangeError(`OrdinalEncoder: unknownValue ${this.unknownValue} collides with a category code; use a negative value`);
    }
    return this;
  }

  /** The fitted categories per column; code k is categories[j][k]. */
  get categories(): string[][] {
    return assertFitted(this.kind, this.cats).map((c) => c.slice());
  }

  outputColumns(): string[] {
    return this.columns.slice();
  }

  /** Missing values stay missing (NaN). */
  transform(table: Table): Table {
    const cats = assertFitted(this.kind, this.cats);
    const outs: Column[] = this.columns.map((name, j) => {
      const index = new Map(cats[j].map((c, k) => [c, k]));
      const values = categoryValues(table.column(name));
      return { name, type: "number", values: Float64Array.from(values, (v) => (v === null ? NaN : index.get(v) ?? this.unknownValue)) };
    });
    return replaceColumns(table, this.columns, outs);
  }

  fitTransform(table: Table): Table {
    return this.fit(table).transform(table);
  }

  toJSON(): TransformJSON {
    return { kind: this.kind, columns: this.columns, unknownValue: this.unknownValue, categories: assertFitted(this.kind, this.cats) };
  }

  /** Rebuilds a fitted encoder from toJSON() output. */
  static fromJSON(json: unknown): OrdinalEncoder {
    const o = checkJSON("OrdinalEncoder.fromJSON", json, "OrdinalEncoder", ["columns", "unknownValue", "categories"]);
    const e = new OrdinalEncoder(o.columns as string[], { unknownValue: o.unknownValue as number });
    e.cats = checkCategories("OrdinalEncoder.fromJSON", o.categories, e.columns.length);
    return e;
  }
}

/** Encodes target labels as 0..k-1 (sorted classes), for classification targets; unseen labels throw. */
export class LabelEncoder {
  private cls: string[] | null = null;

  /** Learns the sorted distinct labels; missing labels are an error. */
  fit(labels: Column | readonly (string | number | boolean | null)[]): this {
    const values = toLabels("LabelEncoder.fit", labels);
    this.cls = sortedKeys(distinctCounts(values));
    return this;
  }

  /** The classes; code k is classes[k]. */
  get classes(): string[] {
    return assertFitted("LabelEncoder", this.cls).slice();
  }

  /** Labels → Int32Array of codes. */
  transform(labels: Column | readonly (string | number | boolean | null)[]): Int32Array {
    const cls = assertFitted("LabelEncoder", this.cls);
    const index = new Map(cls.map((c, k) => [c, k]));
    const values = toLabels("LabelEncoder.transform", labels);
    return Int32Array.from(values, (v, i) => {
      const k = index.get(v as string);
      if (k === undefined) throw new Error(`LabelEncoder.transform: label ${JSON.stringify(v)} at row ${i} was not seen in fit (classes: ${cls.join(", ")})`);
      return k;
    });
  }

  /** fit(labels) then transform(labels). */
  fitTransform(labels: Column | readonly (string | number | boolean | null)[]): Int32Array {
    return this.fit(labels).transform(labels);
  }

  /** Codes → class strings. */
  inverseTransform(codes: ArrayLike<number>): string[] {
    const cls = assertFitted("LabelEncoder", this.cls);
    return Array.from(codes, (k, i) => {
      if (!Number.isInteger(k) || k < 0 || k >= cls.length) throw new RangeError(`LabelEncoder.inverseTransform: code ${k} at ${i} is outside 0..${cls.length - 1}`);
      return cls[k];
    });
  }

  /** The fitted classes as plain JSON. */
  toJSON(): TransformJSON {
    return { kind: "LabelEncoder", classes: assertFitted("LabelEncoder", this.cls) };
  }

  /** Rebuilds a fitted encoder from toJSON() output. */
  static fromJSON(json: unknown): LabelEncoder {
    const o = checkJSON("LabelEncoder.fromJSON", json, "LabelEncoder", ["classes"]);
    const e = new LabelEncoder();
    e.cls = checkCategories("LabelEncoder.fromJSON", [o.classes], 1)[0];
    return e;
  }
}

function toLabels(op: string, labels: Column | readonly (string | number | boolean | null)[]): string[] {
  const values = Array.isArray(labels) ? labels.map((v) => (v === null || (typeof v === "number" && Number.isNaN(v)) ? null : String(v))) : categoryValues(labels as Column);
  const missing = values.indexOf(null);
  if (missing >= 0) throw new Error(`${op}: label at row ${missing} is missing; drop or impute missing labels first`);
  return values as string[];
}
