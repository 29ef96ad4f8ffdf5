import assert from "node:assert/strict";
import { test } from "node:test";
import { Table } from "../../../src/data/table.js";
import {
  ColumnTransformer, DateParts, MinMaxScaler, OneHotEncoder, StandardScaler,
} from "../../../src/data/transforms/index.js";

function table(ages: number[], cities: (string | null)[], flags: boolean[], days: number[]): Table {
  return new Table([
    { name: "age", type: "number", values: Float64Array.from(ages) },
    { name: "city", type: "string", values: cities },
    { name: "member", type: "boolean", values: flags },
    { name: "joined", type: "date", values: Float64Array.from(days, (d) => Date.UTC(2020, 0, d)) },
    { name: "note", type: "string", values: cities.map(() => "free text") },
  ]);
}

const train = table([20, 30, 40], ["oslo", "rome", "oslo"], [true, false, true], [1, 2, 3]);
const testRows = table([50, 30], ["rome", "lima"], [false, true], [4, 5]);

test("ColumnTransformer: per-column steps give a float32 [N, F] tensor with named features, from train statistics", () => {
  const ct = new ColumnTransformer([
    new StandardScaler(["age"]),
    new OneHotEncoder(["city"], { handleUnknown: "ignore" }),
    new DateParts(["joined"], { parts: ["day", "weekday"] }),
  ], { remainder: "passthrough" }).fit(train.drop(["note"]));
  // passthrough keeps the boolean column "member"
  assert.deepEqual(ct.featureNames, ["age", "city=oslo", "city=rome", "member", "joined.day", "joined.weekday"]);
  const { features, featureNames } = ct.transform(testRows.drop(["note"]));
  assert.deepEqual(features.shape, [2, 6]);
  assert.equal(features.dtype, "float32");
  assert.deepEqual(featureNames, ct.featureNames);
  const std = Math.sqrt(200 / 3); // train ages 20, 30, 40: mean 30
  const expected = [
    [20 / std, 0, 1, 0, 4, 5], // 2020-01-04 was a Saturday
    [0, 0, 0, 1, 5, 6],
  ];
  const got = Array.from(features.dataSync());
  expected.flat().forEach((e, i) => assert.ok(Math.abs(got[i] - Math.fround(e)) < 1e-6, `feature ${i}: ${got[i]} vs ${e}`));
});

test("ColumnTransformer: remainder passthrough of a string column is an error naming it", () => {
  const ct = new ColumnTransformer([new StandardScaler(["age"])], { remainder: "passthrough" });
  assert.throws(() => ct.fit(train), /column "city" is a string column/);
});

test("ColumnTransformer: steps chain (a scaler after a one-hot) and the JSON round trip gives identical bytes", () => {
  const ct = new ColumnTransformer([
    new OneHotEncoder(["city"], { handleUnknown: "infrequent", minFrequency: 2 }),
    new MinMaxScaler(["age", "city=oslo"]),
  ]).fit(train);
  assert.deepEqual(ct.featureNames, ["age", "city=oslo", "city=infrequent"]);
  const json = JSON.parse(JSON.stringify(ct.toJSON()));
  const back = ColumnTransformer.fromJSON(json);
  const a = ct.transform(testRows).features.dataSync();
  const b = back.transform(testRows).features.dataSync();
  assert.deepEqual(Buffer.from(b.buffer), Buffer.from(a.buffer));
  // rome (seen once in train) and lima (unseen) both land in the infrequent column
  assert.deepEqual(Array.from(a), [1.5, 0, 1, 0.5, 0, 1]);
});

test("ColumnTransformer: bad input is named", () => {
  assert.throws(() => new ColumnTransformer([]), /non-empty array of transforms/);
  assert.throws(() => new ColumnTransformer([new StandardScaler(["age"])]).transform(train), /not fitted/);
  assert.throws(() => ColumnTransformer.fromJSON({ kind: "ColumnTransformer", remainder: "drop", steps: [{ kind: "Magic" }], featureNames: [] }), /unknown transform kind "Magic"/);
});
