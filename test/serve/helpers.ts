// Shared pieces of the serving tests: small real models saved as model directories (a penguins
// classifier trained here with its fitted ColumnTransformer, a hand-set linear model) and a source.
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  Adam, binaryCrossEntropy, ColumnTransformer, crossEntropy, Generator, LabelEncoder, Linear, OneHotEncoder, ReLU, saveModelDir, scope,
  Sequential, Sigmoid, specToJSON, StandardScaler, Table, tensor, type Module, type Tensor,
} from "../../src/index.js";

/** The numeric penguin features. */
export const NUMERIC = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"];

/** A raw penguin row, as a client would send it. */
export type PenguinRow = Record<string, string | number | null>;

/** The complete penguin rows (species, island, four measurements, sex) from vega-datasets. */
export function penguinRows(): PenguinRow[] {
  const pkgDir = join(dirname(createRequire(import.meta.url).resolve("vega-datasets")), "..");
  const rows = JSON.parse(readFileSync(join(pkgDir, "data", "penguins.json"), "utf8")) as PenguinRow[];
  return rows.filter((r) => (r.Sex === "MALE" || r.Sex === "FEMALE") && NUMERIC.every((k) => typeof r[k] === "number"));
}

/** A Table of the feature columns of `rows`. */
export function penguinTable(rows: readonly PenguinRow[]): Table {
  return new Table([
    { name: "Species", type: "string", values: rows.map((r) => r.Species as string) },
    ...NUMERIC.map((name) => ({ name, type: "number" as const, values: Float64Array.from(rows, (r) => r[name] as number) })),
  ]);
}

function train(model: Module<[Tensor], Tensor>, x: Tensor, loss: (out: Tensor) => Tensor, steps: number): void {
  const opt = new Adam(model.parameters(), { lr: 0.02 });
  for (let s = 0; s < steps; s++) {
    scope(() => {
      opt.zeroGrad();
      loss(model.call(x)).backward();
      opt.step();
    });
  }
}

/** What a saved test model needs for checking predictions in-process. */
export interface SavedModel {
  dir: string;
  model: Module<[Tensor], Tensor>;
  transformer: ColumnTransformer;
}

/** Trains a sigmoid classifier of penguin sex (MALE = 1) and saves it with its preprocessing. */
export async function savePenguinSexModel(root: string, name: string, seed: number, steps = 60): Promise<SavedModel> {
  const rows = penguinRows();
  const ct = new ColumnTransformer([new OneHotEncoder(["Species"]), new StandardScaler(NUMERIC)]);
  const { features } = ct.fitTransform(penguinTable(rows));
  const label = new LabelEncoder().fit(rows.map((r) => r.Sex as string)); // FEMALE = 0, MALE = 1
  const y = tensor(Float32Array.from(label.transform(rows.map((r) => r.Sex as string))), { shape: [rows.length, 1] });
  const g = new Generator(seed);
  const model = new Sequential(new Linear(features.shape[1], 16, { generator: g }), new ReLU(), new Linear(16, 1, { generator: g }), new Sigmoid());
  train(model, features, (p) => binaryCrossEntropy(p, y), steps);
  features.dispose();
  y.dispose();
  const dir = join(root, name);
  await saveModelDir(dir, { architecture: model.getConfig(), stateDict: model.stateDict(), preprocessing: specToJSON({ tabular: ct, label }) });
  return { dir, model, transformer: ct };
}

/** Trains a logits classifier of penguin species from the measurements (3 classes, no softmax layer). */
export async function savePenguinSpeciesModel(root: string): Promise<SavedModel> {
  const rows = penguinRows();
  const ct = new ColumnTransformer([new StandardScaler(NUMERIC)]);
  const { features } = ct.fitTransform(penguinTable(rows));
  const label = new LabelEncoder().fit(rows.map((r) => r.Species as string));
  const y = tensor(label.transform(rows.map((r) => r.Species as string)), { shape: [rows.length], dtype: "int32" });
  const g = new Generator(3);
  const model = new Sequential(new Linear(NUMERIC.length, 16, { generator: g }), new ReLU(), new Linear(16, 3, { generator: g }));
  train(model, features, (z) => crossEntropy(z, y), 60);
  features.dispose();
  y.dispose();
  const dir = join(root, "species");
  await saveModelDir(dir, { architecture: model.getConfig(), stateDict: model.stateDict(), preprocessing: specToJSON({ tabular: ct, label }) });
  return { dir, model, transformer: ct };
}

/** y = 2·x0 − x1 + 0.5: a hand-set regression model for numeric `inputs`. */
export async function saveLinearModel(root: string): Promise<string> {
  const lin = new Linear(2, 1);
  lin.loadStateDict({ weight: tensor([[2, -1]]), bias: tensor([0.5]) });
  const dir = join(root, "linear");
  await saveModelDir(dir, { architecture: lin.getConfig(), stateDict: lin.stateDict() });
  lin.dispose();
  return dir;
}

/** A fresh temporary directory. */
export function tempRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), "ingot-serve-"));
}
