import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
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

test("ingot models list|show|promote|rollback|delete manage versions and aliases", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ingot-cli-models-"));
  const registry = openRegistry({ root: dir });
  const trained = await runExperiment(await loadExperimentSpec(join(root, "examples/specs/penguins.yaml")), { registry, quick: true });
  // versions 2 and 3: the same model directory registered again (numbers are what matter here)
  for (let i = 0; i < 2; i++) await registry.registerModel("penguins", { modelDir: trained.modelDir, notes: `copy ${i + 2}` });
  await registry.close();
  const at = ["--root", dir];

  let r = ingot("models", "list", ...at, "--json");
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual((JSON.parse(r.stdout) as { name: string; versionCount: number; aliases: Record<string, number> }[]).map((m) => [m.name, m.versionCount, m.aliases]), [["penguins", 3, { staging: 1 }]]);
  r = ingot("models", "promote", "penguins", "3", ...at);
  assert.equal(r.stdout, "penguins@production → version 3\n");
  r = ingot("models", "rollback", "penguins", ...at, "--json");
  assert.deepEqual(JSON.parse(r.stdout), { model: "penguins", alias: "production", version: 2, previous: 3 });
  r = ingot("models", "delete", "penguins", "2", ...at);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'ingot: cannot delete model "penguins" version 2: alias "production" points to it; move or delete the alias first\n');
  r = ingot("models", "delete", "penguins", "3", ...at);
  assert.equal(r.stdout, "deleted penguins version 3\n");
  r = ingot("models", "rollback", "penguins", "--to", "1", ...at);
  assert.equal(r.stdout, "penguins@production → version 1 (rolled back from 2)\n");
  r = ingot("models", "rollback", "penguins", ...at);
  assert.equal(r.stderr, "ingot: cannot roll back penguins@production: it points to version 1 and no earlier version exists\n");
  r = ingot("models", "show", "penguins", ...at, "--json");
  const shown = JSON.parse(r.stdout) as { aliases: Record<string, number>; versions: { version: number; aliases: string[]; runId: string | null }[] };
  assert.deepEqual(shown.aliases, { production: 1, staging: 1 });
  assert.deepEqual(shown.versions.map((v) => v.version), [1, 2]);
  assert.equal(shown.versions[0].runId, trained.runId);
  r = ingot("models", "rollback", "--help");
  assert.match(r.stdout.replace(/\s+/g, " "), /the highest existing version below the one it points to now/);
});
