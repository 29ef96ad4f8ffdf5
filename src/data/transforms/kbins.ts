// Binning with scikit-learn's KBinsDiscretizer (encode="ordinal") semantics: edges from the training
// column, a value's bin is the number of inner edges <= it, so values outside the training range land in
// the first or last bin rather than failing at serving time.
import type { Column, Table } from "../table.js";
import {
  assertFitted, checkColumns, checkJSON, numericValues, quantileSorted, replaceColumns, sortedFinite, type TableTransform, type TransformJSON,
} from "./transform.js";

/** KBinsDiscretizer options. */
export interface KBinsOptions {
  /** Number of bins (>= 2, default 5). */
  nBins?: number;
  /** "uniform": equal widths; "quantile" (default): equal counts. */
  strategy?: "uniform" | "quantile";
}

/** Replaces each column by its bin index 0..nBins-1 (NaN stays NaN). */
export class KBinsDiscretizer implements TableTransform {
  readonly kind = "KBinsDiscretizer";
  readonly columns: string[];
  readonly nBins: number;
  readonly strategy: "uniform" | "quantile";
  private edges: number[][] | null = null;

  constructor(columns: readonly string[], opts: KBinsOptions = {}) {
    this.columns = checkColumns("KBinsDiscretizer", columns);
    this.nBins = opts.nBins ?? 5;
    if (!Number.isInteger(this.nBins) || this.nBins < 2) throw new RangeError(`KBinsDiscretizer: nBins must be an integer >= 2, got ${this.nBins}`);
    this.strategy = opts.strategy ?? "quantile";
    if (this.strategy !== "uniform" && this.strategy !== "quantile") throw new TypeError(`KBinsDiscretizer: strategy must be "uniform" or "quantile", got ${JSON.stringify(this.strategy)}`);
  }

  fit(table: Table): this {
    this.edges = this.columns.map((name) => {
      const s = sortedFinite(numericValues(this.kind, table.column(name)));
      if (s.length === 0) throw new Error(`KBinsDiscretizer: column "${name}" has no non-missing values to fit`);
      const lo = s[0];
      const hi = s[s.length - 1];
      if (lo === hi) return [-Infinity, Infinity]; // constant column: one bin, as scikit-learn
      const k = this.nBins;
      const e = Array.from({ length: k + 1 }, (_, i) => (this.strategy === "uniform" ? lo + ((hi - lo) * i) / k : quantileSorted(s, i / k)));
      if (this.strategy === "uniform") e[k] = hi;
      // repeated quantiles make empty bins; scikit-learn drops edges closer than 1e-8 to the previous one
      return e.filter((x, i) => i === 0 || x - e[i - 1] > 1e-8);
    });
    return this;
  }

  /** The fitted bin edges per column (first and last are the training min and max). */
  get binEdges(): number[][] {
    return assertFitted(this.kind, this.edges).map((e) => e.slice());
  }

  outputColumns(): string[] {
    return this.columns.slice();
  }

  transform(table: Table): Table {
    const edges = assertFitted(this.kind, this.edges);
    const outs: Column[] = this.columns.map((name, j) => {
      const inner = edges[j].slice(1, -1);
      const x = numericValues(this.kind, table.column(name));
      return { name, type: "number", values: Float64Array.from(x, (v) => (Number.isNaN(v) ? NaN : countLessEqual(inner, v))) };
    });
    return replaceColumns(table, this.columns, outs);
  }

  fitTransform(table: Table): Table {
    return this.fit(table).transform(table);
  }

  toJSON(): TransformJSON {
    // a constant column's edges are ±Infinity, which JSON cannot hold: stored as null
    const edges = assertFitted(this.kind, this.edges).map((e) => e.map((x) => (Number.isFinite(x) ? x : null)));
    return { kind: this.kind, columns: this.columns, nBins: this.nBins, strategy: this.strategy, edges };
  }

  /** Rebuilds a fitted discretizer from toJSON() output. */
  static fromJSON(json: unknown): KBinsDiscretizer {
    const o = checkJSON("KBinsDiscretizer.fromJSON", json, "KBinsDiscretizer", ["columns", "nBins", "strategy", "edges"]);
    const d = new KBinsDiscretizer(o.columns as string[], { nBins: o.nBins as number, strategy: o.strategy as "uniform" | "quantile" });
    const edges = o.edges;
    if (!Array.isArray(edges) || edges.length !== d.columns.length) throw new TypeError(`KBinsDiscretizer.fromJSON: edges must have ${d.columns.length} arrays`);
    d.edges = edges.map((e: unknown) => {
      if (!Array.isArray(e) || e.length < 2) throw new TypeError("KBinsDiscretizer.fromJSON: each edges entry must be an array of >= 2 numbers");
      return e.map((x: unknown, i: number) => (x === null ? (i === 0 ? -Infinity : Infinity) : Number(x)));
    });
    return d;
  }
}

// numpy.searchsorted(inner, v, side="right")
function countLessEqual(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
