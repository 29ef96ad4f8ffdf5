// The in-memory table every data step shares: named, typed columns of equal length. Numbers and dates
// are Float64Array with NaN for missing (dates as epoch milliseconds); strings and booleans are arrays
// with null for missing. Ingest produces tables, cleaning and transforms consume and return them.

export interface NumberColumn {
  name: string;
  type: "number";
  values: Float64Array;
}
export interface DateColumn {
  name: string;
  type: "date";
  /** Epoch milliseconds; NaN is missing. */
  values: Float64Array;
}
export interface StringColumn {
  name: string;
  type: "string";
  values: (string | null)[];
}
export interface BooleanColumn {
  name: string;
  type: "boolean";
  values: (boolean | null)[];
}
export type Column = NumberColumn | DateColumn | StringColumn | BooleanColumn;
export type ColumnType = Column["type"];

/** A column's i-th value is missing. */
export function isMissing(c: Column, i: number): boolean {
  const v = c.values[i];
  return v === null || (typeof v === "number" && Number.isNaN(v));
}

export class Table {
  readonly numRows: number;
  private readonly byName: Map<string, Column>;

  constructor(readonly columns: readonly Column[]) {
    this.numRows = columns.length ? columns[0].values.length : 0;
    this.byName = new Map();
    for (const c of columns) {
      if (c.values.length !== this.numRows) throw new Error(`Table: column "${c.name}" has ${c.values.length} rows, expected ${this.numRows}`);
      if (this.byName.has(c.name)) throw new Error(`Table: duplicate column "${c.name}"`);
      this.byName.set(c.name, c);
    }
  }

  get columnNames(): string[] {
    return this.columns.map((c) => c.name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The named column; throws listing the columns there are. */
  column(name: string): Column {
    const c = this.byName.get(name);
    if (!c) throw new Error(`Table: no column "${name}" (columns: ${this.columnNames.join(", ")})`);
    return c;
  }

  /** A table of just these columns, in this order. */
  select(names: readonly string[]): Table {
    return new Table(names.map((n) => this.column(n)));
  }

  /** A table without these columns. */
  drop(names: readonly string[]): Table {
    for (const n of names) this.column(n);
    return new Table(this.columns.filter((c) => !names.includes(c.name)));
  }

  /** The rows at `indices`, in that order (indices may repeat: over-sampling). */
  take(indices: ArrayLike<number>): Table {
    return new Table(this.columns.map((c) => takeColumn(c, indices)));
  }

  /** A table with `column` added, or replacing the column of the same name in place. */
  withColumn(column: Column): Table {
    const at = this.columns.findIndex((c) => c.name === column.name);
    const cols = [...this.columns];
    if (at >= 0) cols[at] = column;
    else cols.push(column);
    return new Table(cols);
  }

  /** Row i as a plain object (dates as Date, missing as null); for previews and tests, not hot loops. */
  row(i: number): Record<string, number | string | boolean | Date | null> {
    const out: Record<string, number | string | boolean | Date | null> = {};
    for (const c of this.columns) {
      const v = c.values[i];
      out[c.name] = isMissing(c, i) ? null : c.type === "date" ? new Date(v as number) : (v as number | string | boolean);
    }
    return out;
  }
}

function takeColumn(c: Column, idx: ArrayLike<number>): Column {
  const n = idx.length;
  if (c.type === "number" || c.type === "date") {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = c.values[idx[i]];
    return { ...c, values: v };
  }
  if (c.type === "string") {
    const v = new Array<string | null>(n);
    for (let i = 0; i < n; i++) v[i] = c.values[idx[i]];
    return { ...c, values: v };
  }
  const v = new Array<boolean | null>(n);
  for (let i = 0; i < n; i++) v[i] = c.values[idx[i]];
  return { ...c, values: v };
}
