// Applies a list of fitted table transforms in order and turns the result into one float32 feature
// matrix. Fitting runs every step on the training table only (each step sees the previous step's output),
// so test and serving rows are transformed with training statistics.
import { tensor } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Table } from "../table.js";
import { DateParts } from "./date-parts.js";
import { OneHotEncoder, OrdinalEncoder } from "./encoders.js";
import { KBinsDiscretizer } from "./kbins.js";
import { MinMaxScaler, RobustScaler, StandardScaler } from "./scalers.js";
import { assertFitted, checkJSON, numericValues, type TableTransform, type TransformJSON } from "./transform.js";

/** Columns no step consumes: dropped (default) or passed through as features (they must be numeric or boolean). */
export type Remainder = "drop" | "passthrough";

/** A feature matrix and the name of each of its columns. */
export interface Features {
  /** float32 [N, F]. */
  features: Tensor;
  /** F names, e.g. "age", "color=red", "when.month". */
  featureNames: string[];
}

const FROM_JSON: Record<string, (json: unknown) => TableTransform> = {
  StandardScaler: StandardScaler.fromJSON,
  MinMaxScaler: MinMaxScaler.fromJSON,
  RobustScaler: RobustScaler.fromJSON,
  OneHotEncoder: OneHotEncoder.fromJSON,
  OrdinalEncoder: OrdinalEncoder.fromJSON,
  KBinsDiscretizer: KBinsDiscretizer.fromJSON,
  DateParts: DateParts.fromJSON,
};

/** Rebuilds any fitted table transform from its toJSON() output, dispatching on `kind`. */
export function transformFromJSON(json: unknown): TableTransform {
  const kind = json !== null && typeof json === "object" ? (json as { kind?: unknown }).kind : undefined;
  const from = typeof kind === "string" ? FROM_JSON[kind] : undefined;
  if (!from) throw new TypeError(`transformFromJSON: unknown transform kind ${JSON.stringify(kind)} (known: ${Object.keys(FROM_JSON).join(", ")})`);
  return from(json);
}

/** A fitted sequence of table transforms producing a float32 feature matrix [N, F] with named features. */
export class ColumnTransformer {
  readonly steps: TableTransform[];
  readonly remainder: Remainder;
  private names: string[] | null = null;

  constructor(steps: readonly TableTransform[], opts: { remainder?: Remainder } = {}) {
    if (!Array.isArray(steps) || steps.length === 0) throw new TypeError("ColumnTransformer: steps must be a non-empty array of transforms");
    this.steps = steps.slice();
    this.remainder = opts.remainder ?? "drop";
    if (this.remainder !== "drop" && this.remainder !== "passthrough") throw new TypeError(`ColumnTransformer: remainder must be "drop" or "passthrough", got ${JSON.stringify(this.remainder)}`);
  }

  /** Fits every step on the training table, in order; records the feature names. */
  fit(table: Table): this {
    const consumed = new Set(this.steps.flatMap((s) => s.columns));
    let t = table;
    const produced: string[] = [];
    for (const step of this.steps) {
      t = step.fitTransform(t);
      for (const c of step.columns) {
        const at = produced.indexOf(c);
        if (at >= 0) produced.splice(at, 1); // a later step re-transformed an earlier step's output
      }
      produced.push(...step.outputColumns());
    }
    const rest = this.remainder === "passthrough" ? table.columnNames.filter((n) => !consumed.has(n)) : [];
    // keep the output table's column order, so features read left to right like the transformed table
    const keep = new Set([...produced, ...rest]);
    this.names = t.columnNames.filter((n) => keep.has(n));
    for (const n of rest) numericValues("ColumnTransformer (remainder passthrough)", table.column(n));
    return this;
  }

  /** The feature names, one per output column. */
  get featureNames(): string[] {
    return assertFitted("ColumnTransformer", this.names).slice();
  }

  /** The transformed table (all columns, before selecting features). */
  transformTable(table: Table): Table {
    assertFitted("ColumnTransformer", this.names);
    let t = table;
    for (const step of this.steps) t = step.transform(t);
    return t;
  }

  /** Transforms `table` with the fitted statistics into a float32 [N, F] tensor. */
  transform(table: Table): Features {
    const names = this.featureNames;
    const t = this.transformTable(table);
    const n = t.numRows;
    const f = names.length;
    const out = new Float32Array(n * f);
    names.forEach((name, j) => {
      const v = numericValues("ColumnTransformer", t.column(name));
      for (let i = 0; i < n; i++) out[i * f + j] = v[i];
    });
    return { features: tensor(out, { shape: [n, f] }), featureNames: names };
  }

  /** fit(table) then transform(table). */
  fitTransform(table: Table): Features {
    return this.fit(table).transform(table);
  }

  /** The fitted steps and feature names as plain JSON. */
  toJSON(): TransformJSON {
    return { kind: "ColumnTransformer", remainder: this.remainder, steps: this.steps.map((s) => s.toJSON()), featureNames: this.featureNames };
  }

  /** Rebuilds a fitted ColumnTransformer from toJSON() output. */
  static fromJSON(json: unknown): ColumnTransformer {
    const o = checkJSON("ColumnTransformer.fromJSON", json, "ColumnTransformer", ["remainder", "steps", "featureNames"]);
    if (!Array.isArray(o.steps)) throw new TypeError("ColumnTransformer.fromJSON: steps must be an array");
    const ct = new ColumnTransformer(o.steps.map(transformFromJSON), { remainder: o.remainder as Remainder });
    if (!Array.isArray(o.featureNames) || !o.featureNames.every((n) => typeof n === "string")) throw new TypeError("ColumnTransformer.fromJSON: featureNames must be an array of strings");
    ct.names = o.featureNames.slice() as string[];
    return ct;
  }
}

/** scikit-learn's name for a chain of transforms; here the same class as ColumnTransformer. */
export const Pipeline = ColumnTransformer;
/** scikit-learn's name for a chain of transforms; here the same class as ColumnTransformer. */
export type Pipeline = ColumnTransformer;
