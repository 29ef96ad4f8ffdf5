import assert from "node:assert/strict";
import { test } from "node:test";
import { datasetPath, isDataset, listDatasets, loadDataset, loadGraph } from "../../src/data/catalog.js";
import { isMissing, type Table } from "../../src/data/table.js";

// Row counts and columns of the files the npm packages ship, counted independently of the catalog's own numbers.
const EXPECTED: Record<string, [number, string[]]> = {
  "spam-assassin": [6046, ["text", "label", "group", "id"]],
  iris: [150, ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]],
  penguins: [344, ["Species", "Island", "Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)", "Sex"]],
  "boston-housing": [506, ["crim", "zn", "indus", "chas", "nox", "rm", "age", "dis", "rad", "tax", "ptratio", "b", "lstat", "medv"]],
  "seattle-weather": [1461, ["date", "precipitation", "temp_max", "temp_min", "wind", "weather"]],
  "moby-dick": [139, ["chapter", "title", "text"]],
  sotu: [233, ["year", "name", "party", "text"]],
  "les-miserables": [77, ["index", "name", "group"]],
  sp500: [123, ["date", "price"]],
};

test("listDatasets names every catalog dataset", () => {
  assert.deepEqual(listDatasets().map((d) => d.name).sort(), [...Object.keys(EXPECTED), "flights-3m"].sort());
  assert.ok(isDataset("iris") && !isDataset("mnist"));
});

for (const [name, [rows, columns]] of Object.entries(EXPECTED)) {
  test(`loadDataset("${name}") has ${rows} rows and the expected columns`, async () => {
    const t: Table = await loadDataset(name);
    assert.equal(t.numRows, rows);
    assert.deepEqual(t.columnNames, columns);
    const info = listDatasets().find((d) => d.name === name);
    assert.equal(info?.rows, rows);
    assert.deepEqual(info?.columns, columns);
    // no column is entirely missing: a parse that silently failed would leave one
    for (const c of t.columns) assert.ok(Array.from({ length: t.numRows }, (_, i) => i).some((i) => !isMissing(c, i)), `${name}.${c.name} is all missing`);
  });
}

test("typed columns where they matter", async () => {
  const iris = await loadDataset("iris");
  assert.deepEqual(iris.row(0), { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2, species: "setosa" });
  const sp = await loadDataset("sp500");
  assert.equal(sp.column("date").type, "date");
  assert.equal(sp.column("date").values[0], Date.UTC(2000, 0, 1));
  assert.equal(sp.column("price").values[0], 1394.46);
  const weather = await loadDataset("seattle-weather");
  assert.equal(weather.column("date").type, "date");
});

test("les-miserables as a graph: 77 nodes, 254 weighted links between valid node indices", async () => {
  const g = await loadGraph("les-miserables");
  assert.equal(g.nodes.numRows, 77);
  assert.equal(g.links.numRows, 254);
  for (const c of ["source", "target"]) for (const v of g.links.column(c).values as Float64Array) assert.ok(v >= 0 && v < 77);
  await assert.rejects(loadGraph("iris"), /not a graph/);
});

test("flights-3m refuses to load whole and points to streamBatches; unknown names list the known ones", async () => {
  await assert.rejects(loadDataset("flights-3m"), /streamBatches/);
  assert.match(datasetPath("flights-3m"), /flights-3m\.parquet$/);
  await assert.rejects(async () => loadDataset("mnist"), /unknown dataset "mnist" \(known: spam-assassin, iris/);
});
