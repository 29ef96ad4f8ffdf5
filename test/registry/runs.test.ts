import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import { dataFingerprint, openRegistry, RegistryConflictError, RegistryError, RegistryNotFoundError, SQLITE_SCHEMA_VERSION } from "../../src/registry/index.js";
import { backends, cleanup, freshDir, openAt } from "./helpers.js";

after(cleanup);

test("sqlite: openRegistry creates registry.db in WAL mode with the current schema version, and reopens it", async () => {
  const root = freshDir();
  const reg = openRegistry({ root, databaseUrl: "" });
  const exp = await reg.createExperiment("iris");
  await reg.close();
  const db = new Database(join(root, "registry.db"), { readonly: true });
  assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
  assert.equal((db.prepare("SELECT MAX(version) AS v FROM schema_version").get() as { v: number }).v, SQLITE_SCHEMA_VERSION);
  db.close();
  const again = openRegistry({ root, databaseUrl: "" });
  assert.deepEqual(await again.getExperiment("iris"), exp);
  assert.equal(await again.integrityCheck(), "ok");
  await again.close();
});

test("sqlite: openRegistry refuses a database written by a newer schema", async () => {
  const root = freshDir();
  await openRegistry({ root, databaseUrl: "" }).close();
  const db = new Database(join(root, "registry.db"));
  db.prepare("INSERT INTO schema_version (version, applied_at) VALUES (?, 0)").run(SQLITE_SCHEMA_VERSION + 1);
  db.close();
  assert.throws(() => openRegistry({ root, databaseUrl: "" }), /registry schema version 2 is newer than this ingot supports \(1\); upgrade ingot/);
});

test("dataFingerprint hashes bytes, and descriptions independently of key order", () => {
  assert.equal(dataFingerprint(new TextEncoder().encode("abc")), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.equal(dataFingerprint("abc"), dataFingerprint(new TextEncoder().encode("abc")));
  assert.equal(dataFingerprint({ b: 1, a: [1, { y: 2, x: 3 }] }), dataFingerprint({ a: [1, { x: 3, y: 2 }], b: 1 }));
  assert.notEqual(dataFingerprint({ a: 1 }), dataFingerprint({ a: 2 }));
});

for (const backend of backends) {
  describe(`runs on ${backend.name}`, { skip: backend.skip }, () => {
    test("a run records params, tags, fingerprint and environment; metrics keep history and the last value", async () => {
      const reg = openAt(backend.fresh());
      const before = Date.now();
      const run = await reg.startRun({ experiment: "spam", name: "first", params: { lr: 0.01, epochs: 3, shuffle: true }, tags: { owner: "ana" }, data: { rows: 10, columns: ["a", "b"] }, backend: "js" });
      assert.match(run.id, /^[0-9a-f]{32}$/);
      assert.equal(run.status, "running");
      assert.equal(run.experiment, "spam");
      assert.ok(run.startTime >= before && run.endTime === null);
      assert.deepEqual(run.params, { epochs: "3", lr: "0.01", shuffle: "true" });
      assert.deepEqual(run.tags, { owner: "ana" });
      assert.equal(run.dataFingerprint, dataFingerprint({ columns: ["a", "b"], rows: 10 }));
      assert.deepEqual(run.environment, { node: process.version, platform: `${process.platform}-${process.arch}`, ingotVersion: JSON.parse(readFileSync("package.json", "utf8")).version, backend: "js" });

      await reg.logParams(run.id, { batchSize: 32 });
      await reg.logMetric(run.id, "loss", 0.9, 0, 1000);
      await reg.logMetrics(run.id, [{ key: "loss", value: 0.5, step: 2, timestamp: 1002 }, { key: "loss", value: 0.7, step: 1, timestamp: 1003 }, { key: "acc", value: 0.8, step: 2 }]);
      await reg.setTags(run.id, { owner: "bo", note: "x" });
      assert.deepEqual(await reg.metricHistory(run.id, "loss"), [{ value: 0.9, step: 0, timestamp: 1000 }, { value: 0.7, step: 1, timestamp: 1003 }, { value: 0.5, step: 2, timestamp: 1002 }]);
      await reg.endRun(run.id, "failed");
      const got = await reg.getRun(run.id);
      assert.equal(got.status, "failed");
      assert.ok(got.endTime !== null && got.endTime >= got.startTime);
      assert.deepEqual(got.metrics, { acc: 0.8, loss: 0.5 }, "last value is the highest step's, not the last logged");
      assert.deepEqual(got.params, { batchSize: "32", epochs: "3", lr: "0.01", shuffle: "true" });
      assert.deepEqual(got.tags, { note: "x", owner: "bo" });
      await reg.setTags(run.id, { after: "end" });
      await assert.rejects(reg.logMetric(run.id, "loss", 1), (e: Error) => e instanceof RegistryConflictError && /run "[0-9a-f]+" is failed; cannot log metrics/.test(e.message));
      await assert.rejects(reg.endRun(run.id), /is failed; cannot end it as finished/);
      await reg.close();
    });

    test("params cannot change value once logged", async () => {
      const reg = openAt(backend.fresh());
      const run = await reg.startRun({ experiment: "e", params: { lr: 0.1 }, backend: "js" });
      await reg.logParams(run.id, { lr: 0.1 });
      await assert.rejects(reg.logParams(run.id, { lr: 0.2, other: 1 }), /param "lr" is already "0.1"; params cannot change \(got "0.2"\)/);
      assert.deepEqual((await reg.getRun(run.id)).params, { lr: "0.1" }, "the failed batch stored nothing");
      await reg.close();
    });

    test("artifacts are stored under artifacts/<run id>/ from bytes or a file, with size and sha256", async () => {
      const target = backend.fresh();
      const root = target.root;
      const reg = openAt(target);
      const run = await reg.startRun({ experiment: "e", backend: "js" });
      const src = join(freshDir(), "report.txt");
      writeFileSync(src, "hello");
      await reg.logArtifact(run.id, src, "reports/report.txt");
      await reg.logArtifact(run.id, new Uint8Array([1, 2, 3]), "raw.bin");
      await reg.logArtifact(run.id, new Uint8Array([4]), "raw.bin");
      const { artifacts } = await reg.getRun(run.id);
      assert.deepEqual(artifacts.map((a) => [a.name, a.size, a.path]), [["raw.bin", 1, join(root, "artifacts", run.id, "raw.bin")], ["reports/report.txt", 5, join(root, "artifacts", run.id, "reports", "report.txt")]]);
      assert.equal(readFileSync(artifacts[1].path, "utf8"), "hello");
      assert.deepEqual([...readFileSync(artifacts[0].path)], [4]);
      assert.equal(artifacts[1].sha256, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
      for (const bad of ["../x", "/etc/passwd", "a/../../b", ".hidden", "", "a//b"]) {
        await assert.rejects(reg.logArtifact(run.id, new Uint8Array(1), bad), /logArtifact: artifact name .* is invalid/, bad);
      }
      await assert.rejects(reg.logArtifact(run.id, join(root, "nope"), "x"), /logArtifact: .*nope is not a readable file/);
      await reg.close();
    });

    test("listRuns filters on params, metrics, tags and attributes, orders and limits", async () => {
      const reg = openAt(backend.fresh());
      const ids: string[] = [];
      const names = (runs: { name: string | null }[]) => runs.map((r) => r.name);
      const specs = [{ lr: 0.1, acc: 0.7 }, { lr: 0.01, acc: 0.9 }, { lr: 0.001, acc: 0.8 }, { lr: 1, acc: null }];
      for (const [i, s] of specs.entries()) {
        const run = await reg.startRun({ experiment: "grid", name: `r${i}`, params: { lr: s.lr, opt: i % 2 ? "adam" : "sgd" }, backend: "js" });
        if (s.acc !== null) await reg.logMetric(run.id, "acc", s.acc);
        ids.push(run.id);
      }
      const other = await reg.startRun({ experiment: "other", params: { lr: "auto" }, backend: "js" });
      for (const size of ["10", "big", "9"]) await reg.startRun({ experiment: "sizes", name: size, params: { size }, backend: "js" });
      assert.deepEqual(names(await reg.listRuns({ experiment: "sizes", orderBy: [{ on: { param: "size" } }] })), ["9", "10", "big"], "numbers sort numerically, before text");
      assert.deepEqual(names(await reg.listRuns({ experiment: "sizes", where: [{ on: { param: "size" }, op: "<", value: 100 }] })).sort(), ["10", "9"], "non-numeric text never matches a number comparison");
      assert.deepEqual(names(await reg.listRuns({ experiment: "grid", orderBy: [{ on: { metric: "acc" }, descending: true }] })), ["r1", "r2", "r0", "r3"]);
      assert.deepEqual(names(await reg.listRuns({ where: [{ on: { metric: "acc" }, op: ">=", value: 0.8 }], orderBy: [{ on: { metric: "acc" } }] })), ["r2", "r1"]);
      assert.deepEqual(names(await reg.listRuns({ where: [{ on: { param: "lr" }, op: "<", value: 0.05 }], orderBy: [{ on: { param: "lr" } }] })), ["r2", "r1"]);
      assert.deepEqual(names(await reg.listRuns({ where: [{ on: { param: "opt" }, op: "=", value: "adam" }, { on: { param: "lr" }, op: "!=", value: 1 }] })), ["r1"]);
      assert.deepEqual(names(await reg.listRuns({ experiment: "grid", orderBy: [{ on: { attribute: "name" } }], limit: 2 })), ["r0", "r1"]);
      assert.equal((await reg.listRuns()).length, 8);
      assert.deepEqual((await reg.listRuns({ experiment: "other" })).map((r) => r.id), [other.id]);
      await assert.rejects(reg.listRuns({ experiment: "nope" }), (e: Error) => e instanceof RegistryNotFoundError && e.message === 'unknown experiment "nope"');
      await reg.close();
    });

    test("compareRuns puts params and last metrics side by side", async () => {
      const reg = openAt(backend.fresh());
      const a = await reg.startRun({ experiment: "e", params: { lr: 0.1 }, backend: "js" });
      const b = await reg.startRun({ experiment: "e", params: { lr: 0.2, wd: 0 }, backend: "js" });
      await reg.logMetric(a.id, "loss", 1, 0);
      await reg.logMetric(a.id, "loss", 0.5, 1);
      await reg.logMetric(b.id, "loss", 0.25, 3);
      const cmp = await reg.compareRuns([a.id, b.id]);
      assert.deepEqual(cmp.runs.map((r) => r.id), [a.id, b.id]);
      assert.deepEqual(cmp.params, { lr: ["0.1", "0.2"], wd: [null, "0"] });
      assert.deepEqual(cmp.metrics, { loss: [0.5, 0.25] });
      await reg.close();
    });

    test("unknown experiments and runs, and bad input, get errors naming them", async () => {
      const reg = openAt(backend.fresh());
      const missing = "0".repeat(32);
      await assert.rejects(reg.getExperiment("ghost"), /unknown experiment "ghost"/);
      await assert.rejects(reg.getRun(missing), (e: Error) => e instanceof RegistryNotFoundError && e.thing === "run" && e.message === `unknown run "${missing}"`);
      await assert.rejects(reg.logMetric(missing, "loss", 1), /unknown run "0{32}"/);
      await assert.rejects(reg.setTags("not-an-id", { a: "b" }), (e: Error) => e instanceof RegistryNotFoundError && /setTags: unknown run "not-an-id" \(run ids are 32 hex digits\)/.test(e.message));
      await assert.rejects(reg.metricHistory(missing, "loss"), /unknown run/);
      await reg.createExperiment("dup");
      await assert.rejects(reg.createExperiment("dup"), /experiment "dup" already exists/);
      const run = await reg.startRun({ experiment: "dup", backend: "js" });
      await assert.rejects(reg.logMetric(run.id, "loss", NaN), /logMetrics: value of metric "loss" must be a number, got NaN/);
      await assert.rejects(reg.logMetrics(run.id, [{ key: "a", value: 1, step: 1.5 }]), /step of metric "a" must be an integer, got 1.5/);
      await assert.rejects(reg.logParams(run.id, { lr: { x: 1 } as unknown as number }), /logParams: param "lr" must be a string, finite number or boolean/);
      await assert.rejects(reg.endRun(run.id, "running" as "finished"), /endRun: status must be "finished", "failed" or "killed", got "running"/);
      await assert.rejects(reg.startRun({ experiment: "" }), /startRun: experiment must be a non-empty string/);
      await assert.rejects(reg.createExperiment(""), RegistryError);
      await reg.close();
    });
  });
}
