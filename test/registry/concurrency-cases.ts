// Multi-process tests shared by concurrency.test.ts (SQLite) and concurrency-postgres.test.ts: writer
// processes (writer.ts) log and register at once, or are SIGKILLed mid-write, and the registry must stay whole.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadModelDir } from "../../src/io/index.js";
import { freshDir, openAt, saveTinyModel, type Backend, type RegistryTarget } from "./helpers.js";

const WRITER = join("test", "registry", "writer.ts");

interface Writer {
  child: ChildProcess;
  /** The registry is open and the writer's run started. */
  ready: Promise<void>;
  /** The writer has committed its first version (or exited). */
  registeredOne: Promise<void>;
  done: Promise<{ code: number | null; signal: string | null; out: string; err: string }>;
}

function startWriter(target: RegistryTarget, modelDir: string, tag: string, rounds: string): Writer {
  const child = spawn(process.execPath, ["--import", "tsx", WRITER, JSON.stringify(target), modelDir, tag, rounds], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, INGOT_QUIET: "1" } });
  let out = "";
  let err = "";
  let markReady: () => void = () => undefined;
  let markRegistered: () => void = () => undefined;
  const ready = new Promise<void>((res) => (markReady = res));
  const registered = new Promise<void>((res) => (markRegistered = res));
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    if (out.includes("ready\n")) markReady();
    if (out.includes("\nversion ")) markRegistered();
  });
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((res) => child.on("close", (code, signal) => res({ code, signal, out, err })));
  return { child, ready, registeredOne: Promise.race([registered, done.then(() => undefined)]), done };
}

/** Checks everything a crash must not break; returns how many versions are registered. */
async function checkIntegrity(target: RegistryTarget, marker: number): Promise<number> {
  const root = target.root;
  const reg = openAt(target);
  try {
    assert.equal(await reg.integrityCheck(), "ok");
    const models = await reg.listModels();
    const versions = models.length ? await reg.listVersions("shared") : [];
    const numbers = versions.map((v) => v.version);
    assert.deepEqual(numbers, numbers.map((_, i) => i + 1), "version numbers are dense: 1..n");
    for (const v of versions) {
      const { stateDict } = await loadModelDir(v.path);
      assert.equal(stateDict.bias.dataSync()[0], marker, `version ${v.version} loads with the registered weights`);
    }
    // a registration killed between moving its files and committing may leave one unlisted folder, for
    // the number the next registration will take (and replace); staging folders of dead writers are gone
    const onDisk = models.length ? readdirSync(join(root, "models", "shared")) : [];
    const strays = onDisk.filter((d) => !numbers.includes(Number(d)));
    assert.ok(strays.every((d) => d === String(numbers.length + 1)), `unexpected folders: ${strays.join(", ")}`);
    for (const run of await reg.listRuns({ experiment: "concurrency" })) {
      const steps = (await reg.metricHistory(run.id, "loss")).map((p) => p.step);
      assert.equal(steps.length % 10, 0, "metric batches are stored whole");
      assert.deepEqual(steps, steps.map((_, i) => i));
      for (const a of (await reg.getRun(run.id)).artifacts) {
        assert.equal(createHash("sha256").update(readFileSync(a.path)).digest("hex"), a.sha256, `artifact ${a.name} is complete`);
      }
    }
    return versions.length;
  } finally {
    await reg.close();
  }
}

/** The multi-process suite against one backend (each backend's file calls it, so each file stays short). */
export function concurrencySuite(backend: Backend): void {
  describe(`concurrent writers on ${backend.name}`, { skip: backend.skip }, () => {
    test("two processes writing at once lose nothing and get distinct version numbers", async () => {
      const target = backend.fresh();
      const modelDir = await saveTinyModel(join(freshDir(), "m"), 3);
      const rounds = 8;
      const writers = ["a", "b"].map((tag) => startWriter(target, modelDir, tag, String(rounds)));
      const results = await Promise.all(writers.map((w) => w.done));
      const summaries = results.map((r) => {
        assert.equal(r.code, 0, r.err);
        return JSON.parse(r.out.trim().split("\n").at(-1)!) as { runId: string; versions: number[] };
      });
      const all = summaries.flatMap((s) => s.versions).sort((x, y) => x - y);
      assert.deepEqual(all, Array.from({ length: 2 * rounds }, (_, i) => i + 1), "every version number handed out exactly once");
      const reg = openAt(target);
      const versions = await reg.listVersions("shared");
      assert.deepEqual(versions.map((v) => v.version), all);
      for (const s of summaries) {
        assert.equal((await reg.metricHistory(s.runId, "loss")).length, rounds * 10);
        const run = await reg.getRun(s.runId);
        assert.equal(run.status, "finished");
        assert.equal(run.artifacts.length, rounds);
        assert.deepEqual(versions.filter((v) => v.runId === s.runId).map((v) => v.version), s.versions, "lineage points at the run that registered each version");
      }
      await reg.close();
      assert.equal(await checkIntegrity(target, 3), 2 * rounds);
    });

    test("SIGKILL in the middle of logging and registering leaves the registry consistent", async () => {
      const target = backend.fresh();
      const modelDir = await saveTinyModel(join(freshDir(), "m"), 7);
      // each round starts a process; PostgreSQL rounds also pay for connecting, so they run fewer
      const kills = backend.name === "sqlite" ? 16 : 8;
      let registered = 0;
      for (let i = 0; i < kills; i++) {
        const w = startWriter(target, modelDir, `k${i}`, "forever");
        await w.ready;
        // odd rounds first let one registration commit, so kills also land mid-way through later ones
        // however slow the machine is; even rounds kill soon after the run starts
        if (i % 2 === 1) await w.registeredOne;
        await new Promise((res) => setTimeout(res, Math.random() * 150));
        w.child.kill("SIGKILL");
        const r = await w.done;
        assert.equal(r.signal, "SIGKILL", `writer ${i} should still be running when killed: ${r.err}`);
        const now = await checkIntegrity(target, 7);
        assert.ok(now >= registered, "no committed version disappears");
        registered = now;
      }
      assert.ok(registered > 0, "some registrations committed between kills");
      const reg = openAt(target);
      const running = await reg.listRuns({ experiment: "concurrency", where: [{ on: { attribute: "status" }, op: "=", value: "running" }] });
      await reg.close();
      assert.equal(running.length, kills, "every killed writer's run is still recorded");
    });
  });
}
