// Cleaning steps on Tables: drop or impute missing values, drop duplicate rows, clip outliers, coerce
// column types. Imputation and clipping learn their values with fit() (on the training split only) and
// serialise them with toJSON(), so serving applies exactly what training used.
import { cellKey, mean, presentNumbers, quantileSorted, std } from "./profile-stats.js";
import { isMissing, Table, type Column, type ColumnType } from "./table.js";

function checkColumns(fn: string, table: Table, columns: readonly string[] | undefined): Column[] {
  if (columns === undefined) return [...table.columns];
  if (!Array.isArray(columns)) throw new Error(`${fn}: columns must be an array of column names`);
  return columns.map((n) => {
    if (!table.has(n)) throw new Error(`${fn}: no column "${n}" (columns: ${table.columnNames.join(", ")})`);
    return table.column(n);
  });
}

/** Options of {@link dropMissing}. */
export interface DropMissingOptions {
  /** Columns to look at. Default: all. */
  columns?: readonly string[];
  /** "any": drop a row with any missing value among `columns`; "all": only when all are missing. Default "any". */
  how?: "any" | "all";
}

/** The rows of `table` without missing values (pandas' dropna). */
export function dropMissing(table: Table, opts: DropMissingOptions = {}): Table {
  const how = opts.how ?? "any";
  if (how !== "any" && how !== "all") throw new Error(`dropMissing: how must be "any" or "all", got ${String(how)}`);
  const cols = checkColumns("dropMissing", table, opts.columns);
  const keep: number[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const missing = cols.filter((c) => isMissing(c, i)).length;
    const drop = how === "any" ? missing > 0 : cols.length > 0 && missing === cols.length;
    if (!drop) keep.push(i);
  }
  return table.take(keep);
}

/** How {@link MissingImputer} fills a missing cell. */
export type ImputeStrategy = "mean" | "median" | "mostFrequent" | "constant" | "ffill";

/** A fill value of any column type (dates as epoch milliseconds). */
export type CellValue = number | string | boolean;

/** Options of {@link MissingImputer}. */
export interface ImputeOptions {
  strategy: ImputeStrategy;
  /** The value of the "constant" strategy (must suit every imputed column's type). */
  fillValue?: CellValue;
  /** Columns to impute. Default: every number/date column for mean/median, every column otherwise. */
  columns?: readonly string[];
}

/** A fitted imputer's state, JSON-able: `fitOn` restores it. */
export interface ImputerState {
  strategy: ImputeStrategy;
  /** The fill value per column; empty for "ffill", which learns nothing. */
  values: Record<string, CellValue>;
  columns: string[];
}

/**
 * Fills missing values (scikit-learn's SimpleImputer, plus pandas' forward fill). fit() learns one value
 * per column from the training table; transform() fills any table with them. "ffill" carries the last
 * present value down within the table being transformed and leaves leading missing cells missing.
 */
export class MissingImputer {
  private state: ImputerState | null = null;

  constructor(readonly options: ImputeOptions) {
    const s = options.strategy;
    if (!["mean", "median", "mostFrequent", "constant", "ffill"].includes(s)) {
      throw new Error(`MissingImputer: strategy must be one of mean, median, mostFrequent, constant, ffill; got ${String(s)}`);
    }
    if (s === "constant" && options.fillValue === undefined) throw new Error(`MissingImputer: strategy "constant" needs a fillValue`);
  }

  /** Learns the fill values from `table` (the training split). */
  fit(table: Table): this {
    const { strategy } = this.options;
    const numericOnly = strategy === "mean" || strategy === "median";
    const cols = this.options.columns ? checkColumns("MissingImputer.fit", table, this.options.columns) : table.columns.filter((c) => !numericOnly || c.type === "number" || c.type === "date");
    const values: Record<string, CellValue> = {};
    for (const c of cols) {
      if (numericOnly && c.type !== "number" && c.type !== "date") throw new Error(`MissingImputer.fit: strategy "${strategy}" needs a number column, but "${c.name}" is ${c.type}`);
      if (strategy === "ffill") continue;
      if (strategy === "constant") {
        checkValueType("MissingImputer.fit", c, this.options.fillValue as CellValue);
        values[c.name] = this.options.fillValue as CellValue;
        continue;
      }
      const v = strategy === "mostFrequent" ? mostFrequent(c) : strategy === "mean" ? mean(presentNumbers(c)) : quantileSorted(presentNumbers(c).sort(), 0.5);
      if (v === null || (typeof v === "number" && Number.isNaN(v))) throw new Error(`MissingImputer.fit: column "${c.name}" has no values to learn a ${strategy} from`);
      values[c.name] = v;
    }
    this.state = { strategy, values, columns: cols.map((c) => c.name) };
    return this;
  }

  /** The fitted state (fill value per column), for saving next to a model. */
  toJSON(): ImputerState {
    if (!this.state) throw new Error("MissingImputer.toJSON: call fit() first");
    return { strategy: this.state.strategy, values: { ...this.state.values }, columns: [...this.state.columns] };
  }

  /** An imputer restored from {@link MissingImputer.toJSON}'s state. */
  static fromJSON(state: ImputerState): MissingImputer {
    const imp = new MissingImputer({ strategy: state.strategy, columns: state.columns, fillValue: state.strategy === "constant" ? Object.values(state.values)[0] ?? 0 : undefined });
    imp.state = { strategy: state.strategy, values: { ...state.values }, columns: [...state.columns] };
    return imp;
  }

  /** `table` with the missing cells of the fitted columns filled. */
  transform(table: Table): Table {
    if (!this.state) throw new Error("MissingImputer.transform: call fit() first");
    let out = table;
    for (const name of this.state.columns) {
      if (!table.has(name)) throw new Error(`MissingImputer.transform: the table has no column "${name}" that the imputer was fitted on`);
      const c = table.column(name);
      out = out.withColumn(this.state.strategy === "ffill" ? forwardFill(c) : fillColumn(c, this.state.values[name]));
    }
    return out;
  }

  /** fit(table) then transform(table). */
  fitTransform(table: Table): Table {
    return this.fit(table).transform(table);
  }
}

/** A MissingImputer fitted on `table` (the training split); transform() it and the other splits. */
export function imputeMissing(table: Table, opts: ImputeOptions): MissingImputer {
  return new MissingImputer(opts).fit(table);
}

function checkValueType(fn: string, c: Column, v: CellValue): void {
  const want = c.type === "date" ? "number" : c.type;
  if (typeof v !== want) throw new Error(`${fn}: fill value ${JSON.stringify(v)} is a ${typeof v} but column "${c.name}" is ${c.type}`);
}

/** The most frequent present value; ties go to the smallest value, as scikit-learn. */
function mostFrequent(c: Column): CellValue | null {
  const counts = new Map<CellValue, number>();
  for (let i = 0; i < c.values.length; i++) {
    const k = cellKey(c, i);
    if (k !== null) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let best: CellValue | null = null;
  let bestCount = 0;
  for (const [k, n] of counts) {
    if (n > bestCount || (n === bestCount && best !== null && k < best)) {
      best = k;
      bestCount = n;
    }
  }
  return best;
}

function fillColumn(c: Column, v: CellValue): Column {
  checkValueType("MissingImputer.transform", c, v);
  if (c.type === "number" || c.type === "date") return { ...c, values: c.values.map((x) => (Number.isNaN(x) ? (v as number) : x)) };
  if (c.type === "string") return { ...c, values: c.values.map((x) => x ?? (v as string)) };
  return { ...c, values: c.values.map((x) => x ?? (v as boolean)) };
}

function forwardFill(c: Column): Column {
  if (c.type === "number" || c.type === "date") {
    const values = Float64Array.from(c.values);
    for (let i = 1; i < values.length; i++) if (Number.isNaN(values[i])) values[i] = values[i - 1];
    return { ...c, values };
  }
  if (c.type === "string") {
    const values = [...c.values];
    for (let i = 1; i < values.length; i++) values[i] ??= values[i - 1];
    return { ...c, values };
  }
  const values = [...c.values];
  for (let i = 1; i < values.length; i++) values[i] ??= values[i - 1];
  return { ...c, values };
}

/** Options of {@link dropDuplicates}. */
export interface DropDuplicatesOptions {
  /** Columns that make a row a duplicate. Default: all. */
  columns?: readonly string[];
  /** Which of the equal rows stays. Default "first". */
  keep?: "first" | "last";
}

/** `table` without repeated rows (pandas' drop_duplicates; missing equals missing), in the original order. */
export function dropDuplicates(table: Table, opts: DropDuplicatesOptions = {}): Table {
  const keepWhich = opts.keep ?? "first";
  if (keepWhich !== "first" && keepWhich !== "last") throw new Error(`dropDuplicates: keep must be "first" or "last", got ${String(keepWhich)}`);
  const cols = checkColumns("dropDuplicates", table, opts.columns);
  const chosen = new Map<string, number>();
  for (let i = 0; i < table.numRows; i++) {
    // JSON of the typed cells: "1" (string) and 1 (number) stay different, NaN becomes null
    const key = JSON.stringify(cols.map((c) => cellKey(c, i)));
    if (keepWhich === "last" || !chosen.has(key)) chosen.set(key, i);
  }
  return table.take([...chosen.values()].sort((a, b) => a - b));
}

/** Options of {@link OutlierClipper}. */
export interface ClipOptions {
  /** "iqr": [q1 - f·IQR, q3 + f·IQR]; "zscore": mean ± f·std (population std, as scipy's zscore). */
  method: "iqr" | "zscore";
  /** f above. Default 1.5 for iqr, 3 for zscore. */
  factor?: number;
  /** Number columns to clip. Default: every number column. */
  columns?: readonly string[];
}

/** A fitted clipper's state: [low, high] bounds per column. */
export interface ClipperState {
  method: "iqr" | "zscore";
  factor: number;
  bounds: Record<string, [number, number]>;
}

/** Clips number columns to bounds learned by fit() on the training split (winsorising, rows are kept). */
export class OutlierClipper {
  private state: ClipperState | null = null;
  readonly factor: number;

  constructor(readonly options: ClipOptions) {
    if (options.method !== "iqr" && options.method !== "zscore") throw new Error(`OutlierClipper: method must be "iqr" or "zscore", got ${String(options.method)}`);
    this.factor = options.factor ?? (options.method === "iqr" ? 1.5 : 3);
    if (!(this.factor > 0)) throw new Error(`OutlierClipper: factor must be > 0, got ${this.factor}`);
  }

  /** Learns the bounds from `table`. */
  fit(table: Table): this {
    const cols = this.options.columns ? checkColumns("OutlierClipper.fit", table, this.options.columns) : table.columns.filter((c) => c.type === "number");
    const bounds: Record<string, [number, number]> = {};
    for (const c of cols) {
      if (c.type !== "number") throw new Error(`OutlierClipper.fit: column "${c.name}" is ${c.type}, expected number`);
      const xs = presentNumbers(c).sort();
      if (xs.length === 0) throw new Error(`OutlierClipper.fit: column "${c.name}" has no values`);
      if (this.options.method === "iqr") {
        const q1 = quantileSorted(xs, 0.25);
        const q3 = quantileSorted(xs, 0.75);
        bounds[c.name] = [q1 - this.factor * (q3 - q1), q3 + this.factor * (q3 - q1)];
      } else {
        const m = mean(xs);
        const s = std(xs, 0);
        bounds[c.name] = [m - this.factor * s, m + this.factor * s];
      }
    }
    this.state = { method: this.options.method, factor: this.factor, bounds };
    return this;
  }

  /** The fitted bounds, JSON-able. */
  toJSON(): ClipperState {
    if (!this.state) throw new Error("OutlierClipper.toJSON: call fit() first");
    return { method: this.state.method, factor: this.state.factor, bounds: Object.fromEntries(Object.entries(this.state.bounds).map(([k, v]) => [k, [v[0], v[1]]])) };
  }

  /** A clipper restored from {@link OutlierClipper.toJSON}'s state. */
  static fromJSON(state: ClipperState): OutlierClipper {
    const c = new OutlierClipper({ method: state.method, factor: state.factor, columns: Object.keys(state.bounds) });
    c.state = { method: state.method, factor: state.factor, bounds: { ...state.bounds } };
    return c;
  }

  /** `table` with the fitted columns clipped to their bounds (missing stays missing). */
  transform(table: Table): Table {
    if (!this.state) throw new Error("OutlierClipper.transform: call fit() first");
    let out = table;
    for (const [name, [lo, hi]] of Object.entries(this.state.bounds)) {
      if (!table.has(name)) throw new Error(`OutlierClipper.transform: the table has no column "${name}" that the clipper was fitted on`);
      const c = table.column(name);
      if (c.type !== "number") throw new Error(`OutlierClipper.transform: column "${name}" is ${c.type}, expected number`);
      out = out.withColumn({ ...c, values: c.values.map((x) => (x < lo ? lo : x > hi ? hi : x)) });
    }
    return out;
  }

  /** fit(table) then transform(table). */
  fitTransform(table: Table): Table {
    return this.fit(table).transform(table);
  }
}

/** An OutlierClipper fitted on `table` (the training split). */
export function clipOutliers(table: Table, opts: ClipOptions): OutlierClipper {
  return new OutlierClipper(opts).fit(table);
}

/** A cell that could not be converted: it becomes missing in the result and is listed here. */
export interface CoercionFailure {
  column: string;
  /** 0-based row index in the table. */
  row: number;
  value: string;
  reason: string;
}

/** The coerced table and every cell that failed to convert. */
export interface CoercionResult {
  table: Table;
  failedCount: number;
  failures: CoercionFailure[];
}

const TRUE_WORDS = new Set(["true", "t", "yes", "y", "1"]);
const FALSE_WORDS = new Set(["false", "f", "no", "n", "0"]);

/**
 * Converts columns to new types. A cell that does not convert becomes missing and is reported with its
 * row and reason (never dropped silently); a missing or empty cell stays missing without a failure.
 */
export function coerceTypes(table: Table, types: Record<string, ColumnType>): CoercionResult {
  const failures: CoercionFailure[] = [];
  let out = table;
  for (const [name, type] of Object.entries(types)) {
    if (!table.has(name)) throw new Error(`coerceTypes: no column "${name}" (columns: ${table.columnNames.join(", ")})`);
    if (!["number", "date", "string", "boolean"].includes(type)) throw new Error(`coerceTypes: type of "${name}" must be number, date, string or boolean; got ${String(type)}`);
    const c = table.column(name);
    if (c.type === type) continue;
    const n = c.values.length;
    const fail = (row: number, reason: string): void => {
      failures.push({ column: name, row, value: String(c.values[row]), reason });
    };
    if (type === "string") {
      const values = new Array<string | null>(n);
      for (let i = 0; i < n; i++) values[i] = isMissing(c, i) ? null : c.type === "date" ? new Date(c.values[i] as number).toISOString() : String(c.values[i]);
      out = out.withColumn({ name, type, values });
    } else if (type === "boolean") {
      const values = new Array<boolean | null>(n).fill(null);
      for (let i = 0; i < n; i++) {
        if (isMissing(c, i)) continue;
        const v = c.values[i];
        const word = String(v).trim().toLowerCase();
        if (c.type === "date") fail(i, "a date is not a boolean");
        else if (word === "") continue;
        else if (TRUE_WORDS.has(word)) values[i] = true;
        else if (FALSE_WORDS.has(word)) values[i] = false;
        else fail(i, `"${String(v)}" is not a boolean (true/false, yes/no, 1/0)`);
      }
      out = out.withColumn({ name, type, values });
    } else {
      const values = new Float64Array(n).fill(NaN);
      for (let i = 0; i < n; i++) {
        if (isMissing(c, i)) continue;
        const v = c.values[i];
        if (typeof v === "boolean") {
          if (type === "date") fail(i, "a boolean is not a date");
          else values[i] = v ? 1 : 0;
        } else if (typeof v === "number") {
          values[i] = v; // number ↔ date: epoch milliseconds either way
        } else {
          const s = (v as string).trim();
          if (s === "") continue;
          const x = type === "number" ? Number(s) : Date.parse(s);
          if (Number.isNaN(x) || (type === "number" && !Number.isFinite(x) && !/^[+-]?inf(inity)?$/i.test(s))) fail(i, `"${v as string}" is not a ${type === "number" ? "number" : "date"}`);
          else values[i] = x;
        }
      }
      out = out.withColumn({ name, type, values } as Column);
    }
  }
  return { table: out, failedCount: failures.length, failures };
}
