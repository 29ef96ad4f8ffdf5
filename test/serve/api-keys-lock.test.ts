// API key files changed by several processes at once: the lock file makes every create land, a lock left
// by a killed process is taken over, and one held by a live process times out with a message naming it.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { removeStaleLock, staleLockIdentity, withFileLock } from "../../src/io/file-lock.js";
import { openApiKeys } from "../../src/serve/auth/index.js";

const storeModule = resolve(import.meta.dirname, "../../src/serve/auth/index.ts");

/** A child process that creates `n` keys named `${tag}-i` in the file. */
function creator(path: string, tag: string, n: number): Promise<number | null> {
  const code = `const { openApiKeys } = await import(${JSON.stringify(storeModule)});
    const keys = await openApiKeys(${JSON.stringify(path)});
    for (let i = 0; i < ${n}; i++) await keys.create({ name: "${tag}-" + i, scopes: ["predict"] });`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { stdio: ["ignore", "ignore", "inherit"] });
  return new Promise((done) => child.on("exit", done));
}

test("four processes creating keys at once lose none of them", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ingot-keys-lock-"));
  try {
    const path = join(dir, "api-keys.json");
    const codes = await Promise.all(["a", "b", "c", "d"].map((t) => creator(path, t, 6)));
    assert.deepEqual(codes, [0, 0, 0, 0]);
    const names = (await (await openApiKeys(path)).list()).map((k) => k.name).sort();
    assert.equal(names.length, 24, names.join(" "));
    assert.equal(new Set(names).size, 24);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a lock left by a dead process is taken over; a live holder times out with the lock file named", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ingot-keys-lock-"));
  try {
    const path = join(dir, "api-keys.json");
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    await writeFile(`${path}.lock`, dead.stdout);
    const keys = await openApiKeys(path);
    await keys.create({ name: "after-crash", scopes: ["admin"] });
    assert.deepEqual((await keys.list()).map((k) => k.name), ["after-crash"]);

    await writeFile(`${path}.lock`, String(process.pid)); // this very process: alive
    await assert.rejects(withFileLock(path, async () => 1, { timeoutMs: 150 }), /api-keys\.json is locked by another process \(lock file .*api-keys\.json\.lock\)/);
    await rm(`${path}.lock`);
    assert.equal(await withFileLock(path, async () => 7), 7);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("taking over a stale lock never removes the live lock another waiter put in its place", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ingot-keys-lock-"));
  try {
    const lock = join(dir, "api-keys.json.lock");
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    await writeFile(lock, dead.stdout);
    const stale = await staleLockIdentity(lock, 60_000);
    assert.ok(stale, "a dead owner's lock is stale");
    // the race: a faster waiter removed the same stale lock and created its own before we act
    await rm(lock);
    await writeFile(lock, String(process.pid));
    assert.equal(await staleLockIdentity(lock, 60_000), null, "a live owner's lock is not stale");
    await removeStaleLock(lock, stale);
    assert.equal(await readFile(lock, "utf8"), String(process.pid), "the live lock is still in place");
    // the stale lock itself is removed, and nothing is left aside
    await writeFile(lock, dead.stdout);
    await removeStaleLock(lock, (await staleLockIdentity(lock, 60_000)) ?? "");
    await assert.rejects(stat(lock), /ENOENT/);
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
