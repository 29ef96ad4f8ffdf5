import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { loadModelDir } from "../../src/io/index.js";
import { RegistryConflictError, RegistryNotFoundError } from "../../src/registry/index.js";
import { backends, cleanup, freshDir, openAt, saveTinyModel } from "./helpers.js";

after(cleanup);

async function biasOf(dir: string): Promise<number> {
  const { stateDict } = await loadModelDir(dir);
  return stateDict.bias.dataSync()[0];
}

for (const backend of backends) {
  describe(`models on ${backend.name}`, { skip: backend.skip }, () => {
    test("registerModel copies the model directory under models/<name>/<version>/ with numbered versions and lineage", async () => {
      const target = backend.fresh();
      const root = target.root;
      const reg = openAt(target);
      const run = await reg.startRun({ experiment: "spam", backend: "js" });
      const src = await saveTinyModel(join(freshDir(), "m"), 1);
      const v1 = await reg.registerModel("spam", { modelDir: src, fromRun: run.id, notes: "first" });
      await saveTinyModel(src, 2); // the registry holds a copy: changing the source later does not touch v1
      const v2 = await reg.registerModel("spam", { modelDir: src });
      assert.deepEqual([v1.version, v2.version], [1, 2]);
      assert.equal(v1.path, join(root, "models", "spam", "1"));
      assert.equal(await biasOf(v1.path), 1);
      assert.equal(await biasOf(v2.path), 2);
      assert.deepEqual({ runId: v1.runId, notes: v1.notes, aliases: v1.aliases }, { runId: run.id, notes: "first", aliases: [] });
      assert.equal(v2.runId, null);
      assert.deepEqual(readdirSync(join(root, "models", "spam")).sort(), ["1", "2"], "no staging folders left behind");
      const [model] = await reg.listModels();
      assert.deepEqual({ ...model, createdAt: 0 }, { name: "spam", notes: "", createdAt: 0, latestVersion: 2, versionCount: 2, aliases: {} });
      await reg.close();
    });

    test("aliases move in one step, resolve in getVersion, and block deleting their version", async () => {
      const target = backend.fresh();
      const root = target.root;
      const reg = openAt(target);
      const src = await saveTinyModel(join(freshDir(), "m"), 5);
      for (let i = 0; i < 3; i++) await reg.registerModel("clf", { modelDir: src });
      await reg.setAlias("clf", "production", 1);
      await reg.setAlias("clf", "staging", 2);
      assert.equal((await reg.getVersion("clf", { alias: "production" })).version, 1);
      await reg.setAlias("clf", "production", 2);
      assert.deepEqual((await reg.getVersion("clf", { alias: "production" })).aliases, ["production", "staging"]);
      assert.deepEqual((await reg.getModel("clf")).aliases, { production: 2, staging: 2 });
      await assert.rejects(reg.deleteVersion("clf", 2), (e: Error) =>
        e instanceof RegistryConflictError && e.message === 'cannot delete model "clf" version 2: alias "production", "staging" points to it; move or delete the alias first');
      await reg.deleteAlias("clf", "staging");
      await reg.deleteVersion("clf", 1);
      assert.equal(existsSync(join(root, "models", "clf", "1")), false);
      assert.deepEqual((await reg.listVersions("clf")).map((v) => v.version), [2, 3]);
      const v4 = await reg.registerModel("clf", { modelDir: src });
      await reg.deleteVersion("clf", 3);
      assert.equal(v4.version, 4, "numbers are never reused");
      assert.equal((await reg.registerModel("clf", { modelDir: src })).version, 5);
      await reg.setNotes("clf", 2, "promoted after A/B");
      await reg.setModelNotes("clf", "spam classifier");
      assert.equal((await reg.getVersion("clf", 2)).notes, "promoted after A/B");
      assert.equal((await reg.getModel("clf")).notes, "spam classifier");
      await reg.close();
    });

    test("unknown models, versions and aliases get errors naming them", async () => {
      const reg = openAt(backend.fresh());
      const src = await saveTinyModel(join(freshDir(), "m"), 0);
      await reg.registerModel("m", { modelDir: src });
      const notFound = (thing: string, message: string) => (e: Error) => e instanceof RegistryNotFoundError && e.thing === thing && e.message === message;
      await assert.rejects(reg.getVersion("ghost", 1), notFound("model", 'unknown model "ghost"'));
      await assert.rejects(reg.getVersion("m", 7), notFound("version", 'model "m" has no version 7'));
      await assert.rejects(reg.getVersion("m", { alias: "production" }), notFound("alias", 'model "m" has no alias "production"'));
      await assert.rejects(reg.setAlias("m", "production", 9), notFound("version", 'model "m" has no version 9'));
      await assert.rejects(reg.deleteAlias("m", "staging"), notFound("alias", 'model "m" has no alias "staging"'));
      await assert.rejects(reg.deleteVersion("m", 3), notFound("version", 'model "m" has no version 3'));
      await assert.rejects(reg.listVersions("nope"), notFound("model", 'unknown model "nope"'));
      await assert.rejects(reg.setNotes("m", 2, "x"), /model "m" has no version 2/);
      await assert.rejects(reg.registerModel("m", { modelDir: src, fromRun: "f".repeat(32) }), /unknown run "f{32}"/);
      await assert.rejects(reg.getVersion("m", 0), /getVersion: version must be a positive integer, got 0/);
      await assert.rejects(reg.setAlias("m", "1st", 1), /setAlias: alias "1st" is invalid/);
      await assert.rejects(reg.registerModel("../evil", { modelDir: src }), /registerModel: model name "..\/evil" is invalid/);
      await reg.close();
    });

    test("registerModel refuses a directory that is not a loadable model and records nothing", async () => {
      const target = backend.fresh();
      const root = target.root;
      const reg = openAt(target);
      const bad = join(freshDir(), "bad");
      mkdirSync(bad);
      writeFileSync(join(bad, "config.json"), "{}");
      await assert.rejects(reg.registerModel("m", { modelDir: bad }), /registerModel: .*bad is not a loadable model directory: .*/);
      await assert.rejects(reg.registerModel("m", { modelDir: join(root, "missing") }), /registerModel: cannot copy model directory .*missing/);
      assert.deepEqual(await reg.listModels(), []);
      assert.deepEqual(readdirSync(join(root, "models", "m")), [], "the staged copy was removed");
      await reg.close();
    });

    test("a version whose files fail to move in is not recorded, and its number is handed out again", async () => {
      const reg = openAt(backend.fresh());
      const fields = { runId: null, notes: "", createdAt: Date.now() };
      let offered = 0;
      await assert.rejects(reg.store.createVersion("m", fields, (v) => {
        offered = v;
        throw new Error("disk full");
      }), /^Error: disk full$/);
      assert.equal(offered, 1);
      assert.deepEqual(await reg.listModels(), [], "the model created in the same transaction is rolled back too");
      const placed: number[] = [];
      assert.equal((await reg.store.createVersion("m", fields, (v) => placed.push(v))).version, 1);
      assert.deepEqual(placed, [1]);
      assert.equal(await reg.integrityCheck(), "ok");
      await reg.close();
    });

    test("two writers registering at once in one process get distinct, dense version numbers", async () => {
      const target = backend.fresh();
      const regs = [openAt(target), openAt(target)];
      const fields = { runId: null, notes: "", createdAt: Date.now() };
      const got = await Promise.all(Array.from({ length: 12 }, (_, i) => regs[i % 2].store.createVersion("m", fields, () => undefined)));
      assert.deepEqual(got.map((v) => v.version).sort((x, y) => x - y), Array.from({ length: 12 }, (_, i) => i + 1));
      assert.equal((await regs[0].getModel("m")).versionCount, 12);
      for (const r of regs) await r.close();
    });
  });
}
