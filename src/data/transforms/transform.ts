// The contract every tabular transform keeps: fit on the training table only, then transform any table
// with the statistics learned there, and serialise those statistics to plain JSON so serving applies
// exactly what training did.
import { Table, type Column } from "../table.js";

/** A fitted transform's state as plain JSON; `kind` names the class that fromJSON rebuilds. */
export interface TransformJSON {
  kind: string;
  [key: string]: unknown;
}

/** A table → table transform fitted on training rows, whose output columns replace its input columns. */
export interface TableTransform {
  /** The class name recorded in toJSON(). */
  readonly kind: string;
  /** The input columns this transform consumes. */
  readonly columns: readonly string[];
  /** Learns statistics from `table` (the training rows); returns this. */
  fit(table: Table): this;
  /** Applies the fitted statistics; the input columns are replaced by outputColumns(). */
  transform(table: Table): Table;
  /** fit(table) then transform(table). */
  fitTransform(table: Table): Table;
  /** The names of the columns transform() writes, in order. */
  outputColumns(): string[];
  /** The fitted state as plain JSON. */
  toJSON(): TransformJSON;
}

/** Throws unless fit() has run. */
export function assertFitted<T>(op: string, state: T | null): T {
  if (state === null) throw new Error(`${op}: not fitted; call fit(trainTable) first`);
  return state;
}

/** A column's values as numbers (booleans as 0/1, missing as NaN); strings are rejected. */
export function numericValues(op: string, c: Column): Float64Array {
  if (c.type === "number" || c.type === "date") return c.values;
  if (c.type === "boolean") return Float64Array.from(c.values, (v) => (v === null ? NaN : v ? 1 : 0));
  throw new Error(`${op}: column "${c.name}" is a string column; expected a number, date or boolean column (encode it first)`);
}

/** A column's values as category strings (numbers/booleans stringified); missing is null. */
export function categoryValues(c: Column): (string | null)[] {
  if (c.type === "string") return c.values;
  if (c.type === "boolean") return c.values.map((v) => (v === null ? null : String(v)));
  return Array.from(c.values, (v) => (Number.isNaN(v) ? null : String(v)));
}

/** Replaces the columns `names` of `table` by `outputs`, placed where the first replaced column stood. */
export function replaceColumns(table: Table, names: readonly string[], outputs: readonly Column[]): Table {
  const drop = new Set(names);
  const cols: Column[] = [];
  let placed = false;
  for (const c of table.columns) {
    if (!drop.has(c.name)) cols.push(c);
    else if (!placed) {
      cols.push(...outputs);
      placed = true;
    }
  }
  if (!placed) cols.push(...outputs);
  return new Table(cols);
}

/** Checks a JSON object's kind and that it has the named fields, naming what is wrong. */
export function checkJSON(op: string, json: unknown, kind: string, fields: readonly string[]): Record<string, unknown> {
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new TypeError(`${op}: expected a JSON object, got ${json === null ? "null" : typeof json}`);
  const o = json as Record<string, unknown>;
  if (o.kind !== kind) throw new TypeError(`${op}: expected kind "${kind}", got ${JSON.stringify(o.kind)}`);
  for (const f of fields) if (!(f in o)) throw new TypeError(`${op}: field "${f}" is missing`);
  return o;
}

/** Checks the `columns` option: a non-empty array of distinct names. */
export function checkColumns(op: string, columns: unknown): string[] {
  if (!Array.isArray(columns) || columns.length === 0 || !columns.every((c) => typeof c === "string")) {
    throw new TypeError(`${op}: columns must be a non-empty array of column names, got ${JSON.stringify(columns)}`);
  }
  if (new Set(columns).size !== columns.length) throw new TypeError(`${op}: columns has duplicates: ${JSON.stringify(columns)}`);
  return columns.slice() as string[];
}

/** A finite number's JSON form; NaN (e.g. an all-missing column's mean) is stored as null. */
export function numToJSON(xs: ArrayLike<number>): (number | null)[] {
  return Array.from(xs, (x) => (Number.isFinite(x) ? x : null));
}

/** The inverse of numToJSON. */
export function numFromJSON(op: string, xs: unknown, field: string): number[] {
  if (!Array.isArray(xs)) throw new TypeError(`${op}: ${field} must be an array of numbers`);
  return xs.map((x, i) => {
    if (x === null) return NaN;
    if (typeof x !== "number") throw new TypeError(`${op}: ${field}[${i}] is ${typeof x}, expected a number`);
    return x;
  });
}

/** Linear-interpolated quantile of sorted finite values (numpy's default "linear" method). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The non-missing values of `xs`, sorted ascending. */
export function sortedFinite(xs: Float64Array): Float64Array {
  return xs.filter((x) => !Number.isNaN(x)).sort();
}
