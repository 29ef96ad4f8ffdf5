import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { loadExperimentSpec, runExperiment } from "../../src/experiment/index.js";
import { openRegistry } from "../../src/registry/index.js";

const root = resolve(import.meta.dirname, "../..");

function ingot(env: Record<string, string>, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const code = `const { run } = await import(${JSON.stringify(resolve(root, "src/cli/main.ts"))}); process.exitCode = await run(["node", "ingot", ...${JSON.stringify(args)}]);`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: root, encoding: "utf8", env: { ...process.env, INGOT_QUIET: "1", ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("ingot runs list|show|compare read the runs an experiment logged (registry from INGOT_HOME)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ingot-cli-runs-"));
  const registry = openRegistry({ root: dir });
  const spec = await loadExperimentSpec(join(root, "examples/specs/penguins.yaml"));
  const a = await runExperiment(spec, { registry, quick: true });
  spec.training.lr = 0.02;
  const b = await runExperiment(spec, { registry, quick: true });
  await registry.close();
  const env = { INGOT_HOME: dir };

  let r = ingot(env, "runs", "list", "--json");
  assert.equal(r.status, 0, r.stderr);
  const list = JSON.parse(r.stdout) as { id: string; status: string }[];
  assert.deepEqual(list.map((x) => x.id), [b.runId, a.runId]); // newest first
  r = ingot(env, "runs", "list", "--limit", "1", "--experiment", "penguins");
  assert.match(r.stdout, /^id\s+experiment\s+status\s+started\s+duration\s+test\.f1\s+test\.accuracy/);
  assert.equal(r.stdout.trim().split("\n").length, 2);
  assert.ok(r.stdout.includes(b.runId));

  r = ingot(env, "runs", "show", a.runId, "--json");
  const shown = JSON.parse(r.stdout) as { params: Record<string, string>; metrics: Record<string, number>; artifacts: { name: string }[] };
  assert.equal(shown.params["training.lr"], "0.01");
  assert.equal(shown.metrics["test.accuracy"], a.evaluation.metrics.accuracy);
  assert.ok(shown.artifacts.some((x) => x.name === "evaluation.json"));
  r = ingot(env, "runs", "show", a.runId);
  assert.match(r.stdout, /^run [0-9a-f]{32} {2}\(penguins\)\nexperiment {2}penguins\nstatus {6}finished/);
  assert.match(r.stdout, /\nparams\n(.|\n)* training\.lr +0\.01\n/);

  r = ingot(env, "runs", "compare", a.runId, b.runId, "--json");
  const cmp = JSON.parse(r.stdout) as { params: Record<string, string[]>; metrics: Record<string, number[]> };
  assert.deepEqual(cmp.params["training.lr"], ["0.01", "0.02"]);
  assert.equal(cmp.metrics["test.accuracy"][1], b.evaluation.metrics.accuracy);
  r = ingot(env, "runs", "compare", a.runId, b.runId);
  assert.match(r.stdout, /param training\.lr\s+0\.01\s+0\.02/);
  assert.doesNotMatch(r.stdout, /param data\.source/); // equal params are folded away
});

test("ingot runs names bad ids, statuses and experiments", () => {
  const env = { INGOT_HOME: mkdtempSync(join(tmpdir(), "ingot-cli-runs-")) };
  let r = ingot(env, "runs", "show", "abc");
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'ingot: getRun: unknown run "abc" (run ids are 32 hex digits)\n');
  r = ingot(env, "runs", "list", "--status", "done");
  assert.equal(r.stderr, 'ingot: --status must be one of running, finished, failed, killed, got "done"\n');
});
