// Reads the scikit-learn reference values recorded by test/fixtures/make-data-transform-fixtures.py.
import { readFileSync } from "node:fs";
import { Table } from "../../../src/data/table.js";

type Num = number | null;
export interface TransformFixture {
  numeric: {
    train: Num[][]; test: Num[][];
    StandardScaler: Num[][]; MinMaxScaler: Num[][]; RobustScaler: Num[][];
    kbins_uniform: { edges: number[]; test: number[] }; kbins_quantile: { edges: number[]; test: number[] };
  };
  categorical: {
    train: string[]; test: string[];
    onehot_infrequent: { names: string[]; test: number[][] }; onehot_ignore: { names: string[]; test: number[][] };
    ordinal: { categories: string[]; test: number[] };
  };
  tfidf: {
    train: string[]; test: string[];
    cases: Record<string, { vocabulary: string[]; idf: number[]; test: number[][]; train: number[][] }>;
    counts_bigrams_min_df_2: { vocabulary: string[]; test: number[][] };
  };
}

export const fixture = JSON.parse(readFileSync(new URL("../../fixtures/data-transforms.json", import.meta.url), "utf8")) as TransformFixture;

/** A table with number columns a and b from fixture rows (null → NaN). */
export function numericTable(rows: Num[][]): Table {
  const col = (j: number) => Float64Array.from(rows, (r) => (r[j] === null ? NaN : (r[j] as number)));
  return new Table([{ name: "a", type: "number", values: col(0) }, { name: "b", type: "number", values: col(1) }]);
}

/** A table with one string column. */
export function stringTable(name: string, values: (string | null)[]): Table {
  return new Table([{ name, type: "string", values }]);
}

/** Column values as plain numbers (NaN → null) for comparing with fixtures. */
export function values(t: Table, name: string): Num[] {
  return Array.from(t.column(name).values as Float64Array, (v) => (Number.isNaN(v) ? null : v));
}

/** Asserts two arrays match to a relative/absolute tolerance, nulls exactly. */
export function assertNear(actual: readonly Num[], expected: readonly Num[], tol = 1e-9, what = ""): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (e === null || a === null) {
      if (a !== e) throw new Error(`${what}[${i}]: got ${a}, expected ${e}`);
      return;
    }
    if (Math.abs(a - e) > tol * (1 + Math.abs(e))) throw new Error(`${what}[${i}]: got ${a}, expected ${e}`);
  });
}
