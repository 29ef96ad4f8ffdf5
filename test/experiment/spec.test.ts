import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { ExperimentSpecError, loadExperimentSpec, parseExperimentSpec, parseSpecText } from "../../src/experiment/index.js";

const SPECS = resolve(import.meta.dirname, "../../examples/specs");
const BASE = "experiment: x\ndata:\n  source: spam-assassin\n  target: label\n  text: text\n";

function specError(text: string, file = "spam.yaml"): string {
  try {
    parseExperimentSpec(parseSpecText(text, file), file);
  } catch (e) {
    assert.ok(e instanceof ExperimentSpecError, String(e));
    return e.message;
  }
  assert.fail("expected the spec to be rejected");
}

test("the example specs load with defaults filled in", async () => {
  const spam = await loadExperimentSpec(join(SPECS, "spam.yaml"));
  assert.equal(spam.data.text, "text");
  assert.deepEqual(spam.preprocessing.clean, { stripEmailHeaders: true, stripHtml: true, lowercase: true });
  assert.equal(spam.register?.alias, "production");
  const penguins = await loadExperimentSpec(join(SPECS, "penguins.yaml"));
  assert.equal(penguins.data.features?.length, 6);
  assert.equal(penguins.training.earlyStopping?.restoreBestWeights, true); // a default
  const minimal = parseExperimentSpec(parseSpecText(BASE));
  assert.deepEqual(minimal.training, { epochs: 20, batchSize: 32, lr: 0.001, optimizer: "adam", weightDecay: 0, seed: 0 });
  assert.deepEqual(minimal.data.split, { test: 0.2, stratify: true, seed: 0 });
});

test("bad values are named by file and path, with what was expected and what was given", () => {
  assert.equal(specError(`${BASE}training:\n  epochs: -1\n`), "spam.yaml: training.epochs: expected a positive integer, got -1");
  assert.equal(specError(`${BASE}training:\n  optimizer: rmsprop\n`), 'spam.yaml: training.optimizer: expected one of "adam", "adamw", "sgd", got "rmsprop"');
  assert.equal(specError(`${BASE}model:\n  hidden: [32, 0]\n`), "spam.yaml: model.hidden[1]: expected a positive layer width, got 0");
  assert.equal(specError(BASE.replace("  split", "") + "  split: { test: 1.5 }\n"), "spam.yaml: data.split.test: expected a fraction between 0 and 1 (exclusive), got 1.5");
  assert.equal(specError("experiment: x\ndata:\n  source: spam-assassin\n  text: text\n"), "spam.yaml: data.target: missing (expected a column name)");
  assert.equal(specError(`${BASE}training: 3\n`), "spam.yaml: training: expected a mapping, got 3");
});

test("unknown keys are rejected with their path; several problems give one line each", () => {
  assert.equal(specError(`${BASE}training:\n  epochs: 0\n  lrate: 0.1\n`), "spam.yaml: training.epochs: expected a positive integer, got 0\nspam.yaml: training.lrate: unknown key");
  assert.equal(specError(`${BASE}modle: {}\n`), "spam.yaml: modle: unknown key");
});

test("cross-field rules and data sources", () => {
  assert.equal(specError(`${BASE}  features: [a]\n`), "spam.yaml: data: give exactly one of text (a text column) or features (a list of tabular columns)");
  assert.equal(specError(`${BASE}preprocessing:\n  scale: standard\n`), "spam.yaml: preprocessing.scale: scale applies to tabular features, but data.text makes this a text experiment");
  assert.equal(specError(`${BASE}training:\n  earlyStopping: { monitor: valLoss }\n`), 'spam.yaml: training.earlyStopping.monitor: monitors "valLoss" but data.split has no validation share');
  assert.equal(specError(BASE.replace("spam-assassin", "no-such-data.csv")), 'spam.yaml: data.source: "no-such-data.csv" is neither a catalog dataset (see: ingot data list) nor a file');
});

test("YAML syntax errors give the line and column; a missing file says so", async () => {
  assert.equal(specError("experiment: x\ndata: [\n  source: iris\n"), "spam.yaml:4:1: syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]");
  assert.match(specError("experiment: x\nexperiment: y\n"), /^spam\.yaml:2:1: syntax error: Map keys must be unique/);
  assert.equal(specError(""), "spam.yaml: the spec is empty; expected a mapping with experiment, data, model, training");
  const dir = await mkdtemp(join(tmpdir(), "ingot-spec-"));
  await assert.rejects(loadExperimentSpec(join(dir, "nope.yaml")), { message: `${join(dir, "nope.yaml")}: no such spec file` });
  // JSON is YAML: a .json spec reads the same, and a relative data file resolves beside the spec
  await writeFile(join(dir, "d.csv"), "a,y\n1,x\n");
  await writeFile(join(dir, "s.json"), JSON.stringify({ experiment: "j", data: { source: "d.csv", target: "y", features: ["a"] } }));
  assert.equal((await loadExperimentSpec(join(dir, "s.json"))).data.source, join(dir, "d.csv"));
});
