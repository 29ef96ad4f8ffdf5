// Splits a date column into numeric parts a model can use. Parts are read in UTC so the same timestamp
// gives the same features on any server, whatever its time zone.
import type { Column, Table } from "../table.js";
import { checkColumns, checkJSON, replaceColumns, type TableTransform, type TransformJSON } from "./transform.js";

/** The parts DateParts can extract. weekday is 0 = Monday … 6 = Sunday (pandas' dayofweek). */
export type DatePart = "year" | "month" | "day" | "weekday" | "hour";

const ALL_PARTS: readonly DatePart[] = ["year", "month", "day", "weekday", "hour"];

const EXTRACT: Record<DatePart, (d: Date) => number> = {
  year: (d) => d.getUTCFullYear(),
  month: (d) => d.getUTCMonth() + 1,
  day: (d) => d.getUTCDate(),
  weekday: (d) => (d.getUTCDay() + 6) % 7,
  hour: (d) => d.getUTCHours(),
};

/** Replaces each date column by `column.part` number columns; missing dates give NaN parts. Needs no fitting. */
export class DateParts implements TableTransform {
  readonly kind = "DateParts";
  readonly columns: string[];
  readonly parts: DatePart[];

  constructor(columns: readonly string[], opts: { parts?: readonly DatePart[] } = {}) {
    this.columns = checkColumns("DateParts", columns);
    const parts = opts.parts ?? ALL_PARTS;
    for (const p of parts) if (!ALL_PARTS.includes(p)) throw new TypeError(`DateParts: unknown part ${JSON.stringify(p)} (expected ${ALL_PARTS.join(", ")})`);
    if (parts.length === 0) throw new TypeError("DateParts: parts must not be empty");
    this.parts = parts.slice();
  }

  /** Checks the columns are dates; there is nothing to learn. */
  fit(table: Table): this {
    for (const name of this.columns) this.dateColumn(table, name);
    return this;
  }

  private dateColumn(table: Table, name: string): Float64Array {
    const c = table.column(name);
    if (c.type !== "date") throw new TypeError(`DateParts: column "${name}" is a ${c.type} column; expected a date column`);
    return c.values;
  }

  outputColumns(): string[] {
    return this.columns.flatMap((name) => this.parts.map((p) => `${name}.${p}`));
  }

  transform(table: Table): Table {
    const outs: Column[] = [];
    for (const name of this.columns) {
      const ms = this.dateColumn(table, name);
      const cols = this.parts.map(() => new Float64Array(ms.length));
      ms.forEach((t, i) => {
        const d = new Date(t);
        this.parts.forEach((p, k) => (cols[k][i] = Number.isNaN(t) ? NaN : EXTRACT[p](d)));
      });
      this.parts.forEach((p, k) => outs.push({ name: `${name}.${p}`, type: "number", values: cols[k] }));
    }
    return replaceColumns(table, this.columns, outs);
  }

  fitTransform(table: Table): Table {
    return this.fit(table).transform(table);
  }

  toJSON(): TransformJSON {
    return { kind: this.kind, columns: this.columns, parts: this.parts };
  }

  /** Rebuilds the transform from toJSON() output. */
  static fromJSON(json: unknown): DateParts {
    const o = checkJSON("DateParts.fromJSON", json, "DateParts", ["columns", "parts"]);
    return new DateParts(o.columns as string[], { parts: o.parts as DatePart[] });
  }
}
