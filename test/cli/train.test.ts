import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { openRegistry } from "../../src/registry/index.js";

const root = resolve(import.meta.dirname, "../..");

function ingot(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const code = `const { run } = await import(${JSON.stringify(resolve(root, "src/cli/main.ts"))}); process.exitCode = await run(["node", "ingot", ...${JSON.stringify(args)}]);`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: root, encoding: "utf8", env: { ...process.env, INGOT_QUIET: "1" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("ingot train --quick --json trains the penguins spec, shows progress on stderr and prints one JSON line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ingot-cli-train-"));
  const r = ingot("train", "examples/specs/penguins.yaml", "--quick", "--root", dir, "--json");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /epoch 1\/5 .*samples\/s/);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 1);
  const out = JSON.parse(lines[0]) as { runId: string; task: string; version: number; alias: string; metrics: Record<string, number> };
  assert.equal(out.task, "multiclass");
  assert.equal(out.version, 1);
  assert.equal(out.alias, "staging");
  assert.ok(out.metrics.accuracy >= 0.9, `accuracy ${out.metrics.accuracy}`);
  const registry = openRegistry({ root: dir });
  try {
    assert.equal((await registry.getRun(out.runId)).metrics["test.accuracy"], out.metrics.accuracy);
    assert.equal((await registry.getVersion("penguins", { alias: "staging" })).runId, out.runId);
  } finally {
    await registry.close();
  }
});

test("ingot train reports spec and data mistakes in one line naming the file and field", () => {
  const dir = mkdtempSync(join(tmpdir(), "ingot-cli-train-"));
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, "experiment: x\ndata:\n  source: penguins\n  target: Species\n  features: [Island]\ntraining:\n  epochs: -1\n  rate: 2\n");
  let r = ingot("train", bad, "--root", dir);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, "ingot: bad.yaml: training.epochs: expected a positive integer, got -1; bad.yaml: training.rate: unknown key\n");
  writeFileSync(bad, "experiment: x\ndata:\n  source: penguins\n  target: Kind\n  features: [Island]\n");
  r = ingot("train", bad, "--root", dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^ingot: bad\.yaml: data\.target: no column "Kind" in penguins \(columns: Species, Island, .*\)\n$/);
  writeFileSync(bad, "experiment: x\ndata: [\n");
  r = ingot("train", bad, "--root", dir);
  assert.match(r.stderr, /^ingot: bad\.yaml:3:1: syntax error: /);
  r = ingot("train", join(dir, "missing.yaml"));
  assert.equal(r.stderr, `ingot: ${join(dir, "missing.yaml")}: no such spec file\n`);
  r = ingot("train", "--help");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--quick/);
  assert.match(r.stdout, /--root <dir>/);
});

test("ingot train --example runs a zoo scenario's quick mode and passes its JSON line through", () => {
  const r = ingot("train", "--example", "rl-bandit", "--quick", "--seed", "3");
  assert.equal(r.status, 0, r.stderr);
  const last = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "") as Record<string, unknown>;
  assert.ok("finalRegret" in last, r.stdout);
});

test("ingot train --example names the known examples when given an unknown one", () => {
  const r = ingot("train", "--example", "no-such-thing");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^ingot: unknown example "no-such-thing"; the examples are: .*gpt-moby.*spam-mlp/m);
  assert.doesNotMatch(r.stderr, /shapes-data/); // a data module, not a scenario
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const both = ingot("train", "examples/specs/penguins.yaml", "--example", "gan");
  assert.match(both.stderr, /either a spec file or --example/);
  const seed = ingot("train", "--example", "rl-bandit", "--seed", "abc");
  assert.equal(seed.status, 1);
  assert.match(seed.stderr, /^ingot: --seed must be an integer, got "abc"$/m);
});
