// The data pipeline end to end on every catalog dataset: load → profile → clean → split → transforms
// fitted on train only → tensor batches from the DataLoader, with sane shapes and no NaN in any batch.
import assert from "node:assert/strict";
import { test } from "node:test";
import { datasetPath, listDatasets, loadDataset, loadGraph } from "../../src/data/catalog.js";
import { dropDuplicates, dropMissing, MissingImputer } from "../../src/data/clean.js";
import { streamBatches } from "../../src/data/ingest/index.js";
import { DataLoader } from "../../src/data/loader.js";
import { profileTable } from "../../src/data/profile.js";
import { randomSplit, stratifiedSplit, timeSeriesSplit, type TableSplit } from "../../src/data/split.js";
import { Table } from "../../src/data/table.js";
import { TfidfVectorizer } from "../../src/data/text/index.js";
import { ColumnTransformer, OneHotEncoder, StandardScaler } from "../../src/data/transforms/index.js";
import { tensor, type Tensor } from "../../src/index.js";

/** Draws every batch of one epoch and checks shapes, row coverage and finiteness. */
async function drainLoader(name: string, x: Tensor, y: Tensor, batchSize: number): Promise<void> {
  const [n, f] = x.shape;
  assert.ok(n > 0 && f > 0, `${name}: empty feature matrix ${x.shape}`);
  const loader = new DataLoader({ x, y }, { batchSize, shuffle: true, seed: 1 });
  let rows = 0;
  for await (const b of loader) {
    assert.equal(b.x.shape[1], f, `${name}: batch width`);
    assert.equal(b.x.shape[0], b.y.shape[0], `${name}: x and y rows`);
    assert.ok(b.x.shape[0] <= batchSize);
    for (const v of b.x.dataSync()) assert.ok(Number.isFinite(v), `${name}: non-finite feature ${v}`);
    for (const v of b.y.dataSync()) assert.ok(Number.isFinite(v), `${name}: non-finite label ${v}`);
    rows += b.x.shape[0];
  }
  assert.equal(rows, n, `${name}: one epoch covers every training row once`);
}

/** Numeric and text feature columns of a table (the target and listed columns left out). */
function featureColumns(t: Table, target: string, skip: readonly string[] = []): { numeric: string[]; categorical: string[] } {
  const cols = t.columns.filter((c) => c.name !== target && !skip.includes(c.name));
  return { numeric: cols.filter((c) => c.type === "number").map((c) => c.name), categorical: cols.filter((c) => c.type === "string").map((c) => c.name) };
}

/** Impute (fitted on train), scale numbers and one-hot text (fitted on train), then batch both sides. */
async function tabular(name: string, t: Table, target: string, split: (t: Table) => TableSplit, classify: boolean, skip: readonly string[] = []): Promise<void> {
  const profile = profileTable(t, { target: classify ? target : undefined });
  assert.equal(profile.numRows, t.numRows);
  assert.equal(profile.columns.length, t.columns.length);
  const clean = dropDuplicates(dropMissing(t, { columns: [target] }));
  assert.ok(clean.numRows > 0.8 * t.numRows, `${name}: cleaning kept ${clean.numRows} of ${t.numRows}`);
  const { train, test: held } = split(clean);
  assert.equal(train.numRows + held.numRows, clean.numRows);
  const { numeric, categorical } = featureColumns(clean, target, skip);
  const steps: (StandardScaler | OneHotEncoder)[] = [];
  const imputers: MissingImputer[] = [];
  if (numeric.length) {
    imputers.push(new MissingImputer({ strategy: "median", columns: numeric }).fit(train));
    steps.push(new StandardScaler(numeric));
  }
  if (categorical.length) {
    imputers.push(new MissingImputer({ strategy: "mostFrequent", columns: categorical }).fit(train));
    steps.push(new OneHotEncoder(categorical, { handleUnknown: "ignore" }));
  }
  const fill = (x: Table): Table => imputers.reduce((acc, imp) => imp.transform(acc), x);
  const ct = new ColumnTransformer(steps).fit(fill(train));
  const labels = (x: Table): Tensor => tensor(Float32Array.from(classify ? codesOf(clean, x, target) : (x.column(target).values as Float64Array)), { shape: [x.numRows] });
  for (const part of [train, held]) {
    const { features } = ct.transform(fill(part));
    assert.deepEqual(features.shape, [part.numRows, ct.featureNames.length]);
    await drainLoader(name, features, labels(part), 32);
  }
}

/** A column's cells as plain values. */
function cells(t: Table, column: string): unknown[] {
  return Array.from(t.column(column).values as ArrayLike<unknown>);
}

/** Class codes of `part`'s target, numbered as in the whole cleaned table (so train and test agree). */
function codesOf(all: Table, part: Table, target: string): number[] {
  const classes = [...new Set(cells(all, target).map((v) => String(v)))].sort();
  return cells(part, target).map((v) => classes.indexOf(String(v)));
}

/** TF-IDF fitted on the training documents only; the held-out documents reuse its vocabulary. */
async function text(name: string, t: Table, textColumn: string, labelsOf: (t: Table) => number[]): Promise<void> {
  const profile = profileTable(t);
  assert.equal(profile.numRows, t.numRows);
  const clean = dropMissing(t, { columns: [textColumn] });
  const { train, test: held } = randomSplit(clean, { testSize: 0.2, seed: 3 });
  const docs = (x: Table): string[] => cells(x, textColumn).map(String);
  const tfidf = new TfidfVectorizer({ maxFeatures: 200, minDf: 2 });
  tfidf.fit(docs(train));
  for (const part of [train, held]) {
    const x = tfidf.transform(docs(part)).toDense();
    assert.equal(x.shape[0], part.numRows);
    assert.ok(x.shape[1] > 10 && x.shape[1] <= 200, `${name}: ${x.shape[1]} terms`);
    await drainLoader(name, x, tensor(Float32Array.from(labelsOf(part)), { shape: [part.numRows] }), 64);
  }
}

const SEEN = new Set<string>();

test("iris, penguins and boston-housing: impute, scale and one-hot fitted on train, batched", async () => {
  for (const [name, target, classify] of [["iris", "species", true], ["penguins", "Species", true], ["boston-housing", "medv", false]] as const) {
    const t = await loadDataset(name);
    await tabular(name, t, target, (x) => (classify ? stratifiedSplit(x, target, { testSize: 0.25, seed: 7 }) : randomSplit(x, { testSize: 0.25, seed: 7 })), classify);
    SEEN.add(name);
  }
});

test("seattle-weather and sp500: time-ordered windows, training strictly before testing", async () => {
  const weather = await loadDataset("seattle-weather");
  const lastWindow = (x: Table): TableSplit => {
    const splits = timeSeriesSplit(x, { nSplits: 3, orderBy: "date" });
    const s = splits[splits.length - 1];
    const maxTrain = Math.max(...(s.train.column("date").values as Float64Array));
    const minTest = Math.min(...(s.test.column("date").values as Float64Array));
    assert.ok(maxTrain < minTest, "train ends before test starts");
    return s;
  };
  await tabular("seattle-weather", weather, "weather", lastWindow, true, ["date"]);
  SEEN.add("seattle-weather");
  // sp500 has one series: the model sees last month's price (a one-step window) and predicts this month's
  const sp = await loadDataset("sp500");
  const price = sp.column("price").values as Float64Array;
  const lagged = sp.withColumn({ name: "prev_price", type: "number", values: Float64Array.from(price, (_, i) => (i === 0 ? NaN : price[i - 1])) });
  await tabular("sp500", lagged.take(Array.from({ length: sp.numRows - 1 }, (_, i) => i + 1)), "price", lastWindow, false, ["date"]);
  SEEN.add("sp500");
});

test("spam-assassin, sotu and moby-dick: TF-IDF fitted on training documents, batched", async () => {
  // a seeded sample of 1,000 of the 6,046 messages keeps the test fast; the path is the same
  const spam = randomSplit(await loadDataset("spam-assassin"), { testSize: 1000, seed: 1 }).test;
  await text("spam-assassin", spam, "text", (x) => cells(x, "label").map((v) => (v === "spam" ? 1 : 0)));
  const sotu = await loadDataset("sotu");
  const parties = [...new Set(cells(sotu, "party").map((v) => String(v)))].sort();
  await text("sotu", sotu, "text", (x) => cells(x, "party").map((v) => parties.indexOf(String(v))));
  // moby-dick has no label: the chapter's position stands in, so the batches still carry a y
  const moby = await loadDataset("moby-dick");
  const withPos = moby.withColumn({ name: "pos", type: "number", values: Float64Array.from({ length: moby.numRows }, (_, i) => i) });
  await text("moby-dick", withPos, "text", (x) => Array.from(x.column("pos").values as Float64Array));
  for (const n of ["spam-assassin", "sotu", "moby-dick"]) SEEN.add(n);
});

test("les-miserables: node features from the edge table (degree, weighted degree) predict the group", async () => {
  const { nodes, links } = await loadGraph("les-miserables");
  const degree = new Float64Array(nodes.numRows);
  const weighted = new Float64Array(nodes.numRows);
  const src = links.column("source").values as Float64Array;
  const dst = links.column("target").values as Float64Array;
  const w = links.column("value").values as Float64Array;
  for (let e = 0; e < links.numRows; e++) {
    assert.ok(src[e] < nodes.numRows && dst[e] < nodes.numRows, "links point at existing nodes");
    for (const v of [src[e], dst[e]]) {
      degree[v]++;
      weighted[v] += w[e];
    }
  }
  const t = nodes.withColumn({ name: "degree", type: "number", values: degree }).withColumn({ name: "weighted_degree", type: "number", values: weighted });
  // the name stays in the table (so de-duplication sees distinct characters) but is not a feature
  await tabular("les-miserables", t.drop(["index"]), "group", (x) => randomSplit(x, { testSize: 0.25, seed: 5 }), true, ["name"]);
  SEEN.add("les-miserables");
});

test("flights-3m: the first rows through the streaming path, then the same pipeline", async () => {
  let first: Table | null = null;
  for await (const b of streamBatches(datasetPath("flights-3m"), { batchSize: 20_000, limit: 20_000 })) first = b;
  assert.ok(first && first.numRows === 20_000);
  await tabular("flights-3m", first, "delay", (x) => randomSplit(x, { testSize: 0.2, seed: 9 }), false, ["date", "origin", "destination"]);
  SEEN.add("flights-3m");
});

test("every catalog dataset went through the pipeline", () => {
  assert.deepEqual([...SEEN].sort(), listDatasets().map((d) => d.name).sort());
});
