import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { test } from "node:test";

const root = resolve(import.meta.dirname, "../..");

function ingot(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const code = `const { run } = await import(${JSON.stringify(resolve(root, "src/cli/main.ts"))}); process.exitCode = await run(["node", "ingot", ...${JSON.stringify(args)}]);`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: root, encoding: "utf8", env: { ...process.env, INGOT_QUIET: "1" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("ingot info --json names the backends and the machine", () => {
  const r = ingot("info", "--json");
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { backends: string[]; defaultBackend: string; cores: number; cuda: { available: boolean; reason?: string; device?: string } };
  assert.ok(info.backends.includes("js"));
  assert.ok(info.backends.includes(info.defaultBackend));
  assert.ok(info.cores >= 1);
  // CUDA is described either way: a device, or the reason there is none (no addon built, no GPU, ...)
  assert.equal(typeof info.cuda.available, "boolean");
  if (info.cuda.available) assert.ok(info.cuda.device);
  else assert.ok((info.cuda.reason ?? "").length > 5, JSON.stringify(info.cuda));
  const text = ingot("info");
  assert.match(text.stdout, info.cuda.available ? /^cuda {6}.+cuBLAS/m : /^cuda {6}unavailable: .+/m);
});

test("an unknown command fails with a one-line error and no stack trace", () => {
  const r = ingot("no-such-command");
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown command 'no-such-command'/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
