// Per-column numeric scalers with scikit-learn's semantics: missing values (NaN) are ignored when fitting
// and stay NaN; a constant column gets scale 1 so it maps to 0 instead of dividing by zero.
import type { Table } from "../table.js";
import {
  assertFitted, checkColumns, checkJSON, numericValues, numFromJSON, numToJSON, quantileSorted, sortedFinite,
  type TableTransform, type TransformJSON,
} from "./transform.js";

/** A fitted affine map per column: out = (x - offset) / scale. */
interface Affine {
  offset: number[];
  scale: number[];
}

/** Shared machinery: subclasses only say how to compute offset and scale from a column's values. */
abstract class AffineScaler implements TableTransform {
  abstract readonly kind: string;
  readonly columns: string[];
  protected state: Affine | null = null;

  constructor(columns: readonly string[]) {
    this.columns = checkColumns(this.constructor.name, columns);
  }

  /** offset and scale for one column's values (NaN = missing). */
  protected abstract stats(values: Float64Array): [offset: number, scale: number];

  fit(table: Table): this {
    const offset: number[] = [];
    const scale: number[] = [];
    for (const name of this.columns) {
      const [o, s] = this.stats(numericValues(this.kind, table.column(name)));
      offset.push(o);
      scale.push(s === 0 || !Number.isFinite(s) ? 1 : s);
    }
    this.state = { offset, scale };
    return this;
  }

  transform(table: Table): Table {
    const { offset, scale } = assertFitted(this.kind, this.state);
    const outs = this.columns.map((name, j) => {
      const x = numericValues(this.kind, table.column(name));
      const v = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) v[i] = (x[i] - offset[j]) / scale[j];
      return { name, type: "number" as const, values: v };
    });
    let out = table;
    for (const c of outs) out = out.withColumn(c);
    return out;
  }

  fitTransform(table: Table): Table {
    return this.fit(table).transform(table);
  }

  outputColumns(): string[] {
    return this.columns.slice();
  }

  /** The fitted per-column offsets (mean, min or median). */
  get offsets(): number[] {
    return assertFitted(this.kind, this.state).offset.slice();
  }

  /** The fitted per-column scales (std, range or IQR; 1 for constant columns). */
  get scales(): number[] {
    return assertFitted(this.kind, this.state).scale.slice();
  }

  toJSON(): TransformJSON {
    const s = assertFitted(this.kind, this.state);
    return { kind: this.kind, columns: this.columns, offset: numToJSON(s.offset), scale: numToJSON(s.scale), ...this.options() };
  }

  /** Extra constructor options to record. */
  protected options(): Record<string, unknown> {
    return {};
  }

  /** Restores fitted state from toJSON() output. */
  protected load(o: Record<string, unknown>): this {
    this.state = { offset: numFromJSON(this.kind, o.offset, "offset"), scale: numFromJSON(this.kind, o.scale, "scale") };
    if (this.state.offset.length !== this.columns.length || this.state.scale.length !== this.columns.length) {
      throw new TypeError(`${this.kind}.fromJSON: offset/scale need ${this.columns.length} entries (one per column)`);
    }
    return this;
  }
}

/** Standardises to zero mean and unit variance (population std, ddof 0, as scikit-learn). */
export class StandardScaler extends AffineScaler {
  readonly kind = "StandardScaler";

  protected stats(x: Float64Array): [number, number] {
    let n = 0;
    let sum = 0;
    for (const v of x) if (!Number.isNaN(v)) { n++; sum += v; }
    const mean = sum / n;
    let ss = 0;
    for (const v of x) if (!Number.isNaN(v)) ss += (v - mean) ** 2;
    return [mean, Math.sqrt(ss / n)];
  }

  /** Rebuilds a fitted scaler from toJSON() output. */
  static fromJSON(json: unknown): StandardScaler {
    const o = checkJSON("StandardScaler.fromJSON", json, "StandardScaler", ["columns", "offset", "scale"]);
    return new StandardScaler(o.columns as string[]).load(o);
  }
}

/** Maps each column's training [min, max] onto featureRange (default [0, 1]). */
export class MinMaxScaler extends AffineScaler {
  readonly kind = "MinMaxScaler";
  readonly featureRange: [number, number];

  constructor(columns: readonly string[], opts: { featureRange?: [number, number] } = {}) {
    super(columns);
    const r = opts.featureRange ?? [0, 1];
    if (!Array.isArray(r) || r.length !== 2 || !(r[0] < r[1])) throw new RangeError(`MinMaxScaler: featureRange must be [lo, hi] with lo < hi, got ${JSON.stringify(r)}`);
    this.featureRange = [r[0], r[1]];
  }

  // out = lo + (x - min) / (max - min) * (hi - lo), written as (x - offset) / scale
  protected stats(x: Float64Array): [number, number] {
    let min = Infinity;
    let max = -Infinity;
    for (const v of x) if (!Number.isNaN(v)) { min = Math.min(min, v); max = Math.max(max, v); }
    const [lo, hi] = this.featureRange;
    const range = max - min === 0 ? 1 : max - min;
    const scale = range / (hi - lo);
    return [min - lo * scale, scale];
  }

  protected override options(): Record<string, unknown> {
    return { featureRange: this.featureRange };
  }

  /** Rebuilds a fitted scaler from toJSON() output. */
  static fromJSON(json: unknown): MinMaxScaler {
    const o = checkJSON("MinMaxScaler.fromJSON", json, "MinMaxScaler", ["columns", "offset", "scale", "featureRange"]);
    return new MinMaxScaler(o.columns as string[], { featureRange: o.featureRange as [number, number] }).load(o);
  }
}

/** Centres on the median and divides by the interquartile range (25th–75th percentile), robust to outliers. */
export class RobustScaler extends AffineScaler {
  readonly kind = "RobustScaler";

  protected stats(x: Float64Array): [number, number] {
    const s = sortedFinite(x);
    return [quantileSorted(s, 0.5), quantileSorted(s, 0.75) - quantileSorted(s, 0.25)];
  }

  /** Rebuilds a fitted scaler from toJSON() output. */
  static fromJSON(json: unknown): RobustScaler {
    const o = checkJSON("RobustScaler.fromJSON", json, "RobustScaler", ["columns", "offset", "scale"]);
    return new RobustScaler(o.columns as string[]).load(o);
  }
}
