import assert from "node:assert/strict";
import { test } from "node:test";
import { Table } from "../../../src/data/table.js";
import { KBinsDiscretizer, MinMaxScaler, RobustScaler, StandardScaler, transformFromJSON } from "../../../src/data/transforms/index.js";
import { assertNear, fixture, numericTable, values } from "./fixture.js";

const train = numericTable(fixture.numeric.train);
const testRows = numericTable(fixture.numeric.test);

for (const [name, make] of [
  ["StandardScaler", () => new StandardScaler(["a", "b"])],
  ["MinMaxScaler", () => new MinMaxScaler(["a", "b"], { featureRange: [-1, 2] })],
  ["RobustScaler", () => new RobustScaler(["a", "b"])],
] as const) {
  test(`${name}: fitted on train (with a missing value), applied to test rows, matches scikit-learn`, () => {
    const s = make().fit(train);
    const out = s.transform(testRows);
    const expected = fixture.numeric[name];
    assertNear(values(out, "a"), expected.map((r) => r[0]), 1e-9, `${name} a`);
    assertNear(values(out, "b"), expected.map((r) => r[1]), 1e-9, `${name} b`);
    // the JSON round trip gives the same transform
    const back = transformFromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    assert.deepEqual(values(back.transform(testRows), "b"), values(out, "b"));
  });
}

test("scalers use train statistics only: refitting on train+test rows changes the test output", () => {
  const s = new StandardScaler(["b"]).fit(train);
  const both = new Table([{ name: "b", type: "number", values: Float64Array.from([...fixture.numeric.train, ...fixture.numeric.test], (r) => r[1] as number) }]);
  const leaky = new StandardScaler(["b"]).fit(both);
  assert.notDeepEqual(values(s.transform(testRows), "b"), values(leaky.transform(testRows), "b"));
  // hand-worked: mean of [1, 2, 3] is 2, population std sqrt(2/3)
  const small = new StandardScaler(["x"]).fit(new Table([{ name: "x", type: "number", values: Float64Array.of(1, 2, 3) }]));
  assert.deepEqual(small.offsets, [2]);
  assert.ok(Math.abs(small.scales[0] - Math.sqrt(2 / 3)) < 1e-15);
});

test("a constant column scales by 1 instead of dividing by zero", () => {
  const t = new Table([{ name: "c", type: "number", values: Float64Array.of(5, 5, 5) }]);
  for (const s of [new StandardScaler(["c"]), new MinMaxScaler(["c"]), new RobustScaler(["c"])]) {
    assert.deepEqual(values(s.fitTransform(t), "c"), [0, 0, 0], s.kind);
  }
});

test("scalers reject string columns, unfitted use and bad options with named errors", () => {
  const t = new Table([{ name: "s", type: "string", values: ["x"] }]);
  assert.throws(() => new StandardScaler(["s"]).fit(t), /column "s" is a string column/);
  assert.throws(() => new StandardScaler(["a"]).transform(train), /not fitted/);
  assert.throws(() => new StandardScaler(["nope"]).fit(train), /no column "nope"/);
  assert.throws(() => new MinMaxScaler(["a"], { featureRange: [1, 0] }), /featureRange/);
  assert.throws(() => new StandardScaler([]), /columns must be a non-empty array/);
});

for (const strategy of ["uniform", "quantile"] as const) {
  test(`KBinsDiscretizer ${strategy}: edges and test bins match scikit-learn`, () => {
    const kb = new KBinsDiscretizer(["b"], { nBins: 4, strategy }).fit(train);
    const ref = fixture.numeric[`kbins_${strategy}`];
    assertNear(kb.binEdges[0], ref.edges, 1e-12, "edges");
    assert.deepEqual(values(kb.transform(testRows), "b"), ref.test);
    const back = transformFromJSON(JSON.parse(JSON.stringify(kb.toJSON())));
    assert.deepEqual(values(back.transform(testRows), "b"), ref.test);
  });
}

test("KBinsDiscretizer: a constant column is one bin and survives JSON", () => {
  const t = new Table([{ name: "c", type: "number", values: Float64Array.of(2, 2, 2) }]);
  const kb = new KBinsDiscretizer(["c"], { nBins: 3 }).fit(t);
  const back = transformFromJSON(JSON.parse(JSON.stringify(kb.toJSON())));
  const probe = new Table([{ name: "c", type: "number", values: Float64Array.of(-100, 2, 100) }]);
  assert.deepEqual(values(back.transform(probe), "c"), [0, 0, 0]);
  assert.throws(() => new KBinsDiscretizer(["c"], { nBins: 1 }), /nBins must be an integer >= 2/);
});
