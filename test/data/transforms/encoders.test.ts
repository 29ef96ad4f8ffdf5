import assert from "node:assert/strict";
import { test } from "node:test";
import { Table } from "../../../src/data/table.js";
import { DateParts, LabelEncoder, OneHotEncoder, OrdinalEncoder, transformFromJSON } from "../../../src/data/transforms/index.js";
import { fixture, stringTable, values } from "./fixture.js";

const cat = fixture.categorical;
const train = stringTable("color", cat.train);
const testRows = stringTable("color", cat.test);

function rows(t: Table, names: string[]): number[][] {
  const cols = names.map((n) => values(t, n));
  return cat.test.map((_, i) => cols.map((c) => c[i] as number));
}

test("OneHotEncoder ignore: columns and test rows (with an unseen category) match scikit-learn", () => {
  const e = new OneHotEncoder(["color"], { handleUnknown: "ignore" }).fit(train);
  const names = cat.onehot_ignore.names.map((n) => n.replace("color_", "color="));
  assert.deepEqual(e.outputColumns(), names);
  assert.deepEqual(rows(e.transform(testRows), names), cat.onehot_ignore.test);
});

test("OneHotEncoder infrequent: rare and unseen categories share the infrequent column as in scikit-learn", () => {
  const e = new OneHotEncoder(["color"], { handleUnknown: "infrequent", minFrequency: 2 }).fit(train);
  const names = cat.onehot_infrequent.names.map((n) => n.replace("color_", "color=").replace("infrequent_sklearn", "infrequent"));
  assert.deepEqual(e.outputColumns(), names);
  const back = transformFromJSON(JSON.parse(JSON.stringify(e.toJSON())));
  assert.deepEqual(rows(back.transform(testRows), names), cat.onehot_infrequent.test);
});

test("OneHotEncoder error mode names the column, row and category; missing values are all zeros", () => {
  const e = new OneHotEncoder(["color"]).fit(train);
  assert.throws(() => e.transform(testRows), /column "color" row 2 has category "pink" not seen in training/);
  const out = e.transform(stringTable("color", [null]));
  assert.deepEqual(e.outputColumns().map((n) => values(out, n)[0]), [0, 0, 0, 0, 0]);
  assert.throws(() => new OneHotEncoder(["color"], { handleUnknown: "nope" as "error" }), /handleUnknown/);
  assert.throws(() => new OneHotEncoder(["color"], { minFrequency: 2 }), /needs handleUnknown "infrequent"/);
});

test("OrdinalEncoder: sorted categories and the reserved unknown value match scikit-learn", () => {
  const e = new OrdinalEncoder(["color"]).fit(train);
  assert.deepEqual(e.categories[0], cat.ordinal.categories);
  const back = transformFromJSON(JSON.parse(JSON.stringify(e.toJSON())));
  assert.deepEqual(values(back.transform(testRows), "color"), cat.ordinal.test);
  assert.throws(() => new OrdinalEncoder(["color"], { unknownValue: 1 }).fit(train), /collides/);
});

test("LabelEncoder: sorted classes, inverse, unseen labels and missing labels throw", () => {
  const e = new LabelEncoder().fit(["spam", "ham", "spam", "ham", "eggs"]);
  assert.deepEqual(e.classes, ["eggs", "ham", "spam"]);
  assert.deepEqual(Array.from(e.transform(["ham", "spam", "eggs"])), [1, 2, 0]);
  assert.deepEqual(e.inverseTransform([2, 0]), ["spam", "eggs"]);
  const back = LabelEncoder.fromJSON(JSON.parse(JSON.stringify(e.toJSON())));
  assert.deepEqual(Array.from(back.transform(["spam"])), [2]);
  assert.throws(() => e.transform(["bacon"]), /label "bacon" at row 0 was not seen/);
  assert.throws(() => e.fit(["a", null]), /row 1 is missing/);
  assert.throws(() => e.inverseTransform([3]), /outside 0..2/);
});

test("DateParts: UTC year, month, day, weekday (Monday = 0) and hour; missing dates give NaN", () => {
  // 2024-02-29 was a Thursday; 2023-01-01 a Sunday
  const when = Float64Array.of(Date.UTC(2024, 1, 29, 13, 5), Date.UTC(2023, 0, 1, 0, 0), NaN);
  const t = new Table([{ name: "when", type: "date", values: when }, { name: "x", type: "number", values: Float64Array.of(1, 2, 3) }]);
  const d = transformFromJSON(new DateParts(["when"]).fit(t).toJSON());
  const out = d.transform(t);
  assert.deepEqual(out.columnNames, ["when.year", "when.month", "when.day", "when.weekday", "when.hour", "x"]);
  assert.deepEqual(out.row(0), { "when.year": 2024, "when.month": 2, "when.day": 29, "when.weekday": 3, "when.hour": 13, x: 1 });
  assert.deepEqual(values(out, "when.weekday"), [3, 6, null]);
  assert.throws(() => new DateParts(["x"]).fit(t), /column "x" is a number column; expected a date column/);
});
