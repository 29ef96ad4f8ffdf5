// `ingot llm register` in a real process: a GGUF file written by `ingot llm tiny` becomes version 1 with
// its alias, a second registration is version 2, and a file that is not GGUF is refused in one line.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";

const repo = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "ingot-llm-register-"));
after(() => rmSync(work, { recursive: true, force: true }));

function ingot(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(repo, "src/cli/entry.ts"), ...args], { cwd: repo, encoding: "utf8", env: { ...process.env, INGOT_DATABASE_URL: "" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("ingot llm register versions a GGUF file in the registry", () => {
  const gguf = join(work, "tiny.gguf");
  const root = join(work, ".ingot");
  let r = ingot("llm", "tiny", gguf);
  assert.equal(r.status, 0, r.stderr);
  r = ingot("llm", "register", "chat", gguf, "--alias", "production", "--root", root, "--json");
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { model: "chat", version: 1, aliases: ["production"] });
  r = ingot("llm", "register", "chat", gguf, "--root", root);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /registered chat v2: ask it at \/openai\/v1 as "chat@2"/);

  const notGguf = join(work, "notes.gguf");
  writeFileSync(notGguf, "this is not a model");
  r = ingot("llm", "register", "chat", notGguf, "--root", root);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.match(r.stderr, /notes\.gguf/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
