import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { loadExperimentSpec, runExperiment } from "../../src/experiment/index.js";
import { openRegistry } from "../../src/registry/index.js";

const root = resolve(import.meta.dirname, "../..");

function ingot(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const code = `const { run } = await import(${JSON.stringify(resolve(root, "src/cli/main.ts"))}); process.exitCode = await run(["node", "ingot", ...${JSON.stringify(args)}]);`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: root, encoding: "utf8", env: { ...process.env, INGOT_QUIET: "1" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("ingot eval re-scores a registered model on a catalog dataset and on a file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ingot-cli-eval-"));
  const registry = openRegistry({ root: dir });
  const spec = await loadExperimentSpec(join(root, "examples/specs/penguins.yaml"));
  const trained = await runExperiment(spec, { registry, quick: true });
  await registry.close();

  let r = ingot("eval", "penguins", "--alias", "staging", "--data", "penguins", "--root", dir, "--json");
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { version: number; rows: number; dropped: number; evaluation: { metrics: Record<string, number>; confusionMatrix: number[][] } };
  assert.equal(out.version, 1);
  assert.equal(out.rows, 342); // 344 penguins, 2 without measurements
  assert.equal(out.dropped, 2);
  assert.equal(out.evaluation.confusionMatrix.flat().reduce((a, b) => a + b, 0), 342);
  assert.ok(out.evaluation.metrics.accuracy >= 0.9);
  // on all rows it can only be near the held-out accuracy
  assert.ok(Math.abs(out.evaluation.metrics.accuracy - trained.evaluation.metrics.accuracy) < 0.1);

  // a CSV of three rows the model must classify
  const csv = join(dir, "few.csv");
  writeFileSync(csv, "Species,Island,Beak Length (mm),Beak Depth (mm),Flipper Length (mm),Body Mass (g),Sex\nAdelie,Torgersen,39.1,18.7,181,3750,MALE\nGentoo,Biscoe,46.1,13.2,211,4500,FEMALE\nChinstrap,Dream,46.5,17.9,192,3500,FEMALE\n");
  r = ingot("eval", "penguins", "--version", "1", "--data", csv, "--root", dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^penguins version 1 on .*few\.csv: 3 rows\n/);
  assert.match(r.stdout, /accuracy\s+1\n/);
});

test("ingot eval names what is wrong", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ingot-cli-eval-"));
  const registry = openRegistry({ root: dir });
  await runExperiment(await loadExperimentSpec(join(root, "examples/specs/penguins.yaml")), { registry, quick: true });
  await registry.close();
  let r = ingot("eval", "penguins", "--version", "9", "--data", "penguins", "--root", dir);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'ingot: model "penguins" has no version 9\n');
  r = ingot("eval", "penguins", "--data", "iris", "--root", dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^ingot: the data has no column "Island", which the model needs \(columns: sepal_length, .*\)\n$/);
  r = ingot("eval", "nope", "--data", "penguins", "--root", dir);
  assert.equal(r.stderr, 'ingot: unknown model "nope"\n');
  r = ingot("eval", "penguins", "--root", dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /required option '--data <nameOrFile>' not specified/);
});
