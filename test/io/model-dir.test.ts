import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { tensor, type Tensor } from "../../src/index.js";
import { loadModelDir, ModelDirError, saveModelDir, SafetensorsError, type ModelDirContents } from "../../src/io/index.js";

const work = mkdtempSync(join(tmpdir(), "ingot-modeldir-"));
after(() => rmSync(work, { recursive: true, force: true }));

let counter = 0;
/** A fresh parent folder per test, so directory listings are exact. */
const freshParent = (): string => mkdtempSync(join(work, `t${counter++}-`));

const values = (sd: Record<string, Tensor>): Record<string, { shape: readonly number[]; dtype: string; data: number[] }> =>
  Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, { shape: t.shape, dtype: t.dtype, data: Array.from(t.dataSync()) }]));

const ARCH = { type: "Sequential", layers: [{ type: "Linear", inFeatures: 3, outFeatures: 2, bias: true }, { type: "ReLU" }], dropout: 0.1, name: null };

function contents(scale = 1): ModelDirContents {
  return {
    architecture: ARCH,
    stateDict: {
      "0.weight": tensor([[1, 2, 3], [4, 5, 6]]).mul(scale),
      "0.bias": tensor([0.5, -0.5]),
      "bn.numBatchesTracked": tensor(7, { dtype: "int32" }),
      "mask": tensor([true, false]),
      "empty": tensor(new Float32Array(0), { shape: [0, 3] }),
    },
    preprocessing: { standardize: { mean: [1.5, 2], std: [0.5, 1] }, columns: ["a", "b"] },
    metadata: { accuracy: 0.93, dataFingerprint: "sha256:abc", tags: ["iris"] },
  };
}

test("saveModelDir/loadModelDir round-trip architecture, weights, preprocessing and metadata", async () => {
  const dir = join(freshParent(), "iris");
  const src = contents();
  await saveModelDir(dir, src);
  assert.deepEqual(readdirSync(dir).sort(), ["config.json", "model.safetensors"]);
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
  assert.deepEqual(config, { format: "ingot-model", version: 1, architecture: ARCH, preprocessing: src.preprocessing, metadata: src.metadata });
  const loaded = await loadModelDir(dir);
  assert.deepEqual(loaded.config, config);
  assert.deepEqual(values(loaded.stateDict), values(src.stateDict));
  assert.equal(loaded.optimizer, undefined);
  // optional fields stay absent when not given
  const bare = join(freshParent(), "bare");
  await saveModelDir(bare, { architecture: "mlp-v1", stateDict: {} });
  const b = await loadModelDir(bare);
  assert.deepEqual(b.config, { format: "ingot-model", version: 1, architecture: "mlp-v1" });
  assert.deepEqual(b.stateDict, {});
});

test("optimizer state round-trips through optimizer.json and optimizer.safetensors", async () => {
  const dir = join(freshParent(), "ckpt");
  const meta = { type: "Adam", lr: 0.001, betas: [0.9, 0.999], step: 12, state: { "0.weight": ["exp_avg", "exp_avg_sq"] } };
  const opt = { "0.weight.exp_avg": tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]), "0.weight.exp_avg_sq": tensor([[1, 2, 3], [4, 5, 6]]) };
  await saveModelDir(dir, { ...contents(), optimizer: { meta, tensors: opt } });
  assert.deepEqual(readdirSync(dir).sort(), ["config.json", "model.safetensors", "optimizer.json", "optimizer.safetensors"]);
  const loaded = await loadModelDir(dir);
  assert.deepEqual(loaded.optimizer?.meta, meta);
  assert.deepEqual(values(loaded.optimizer?.tensors ?? {}), values(opt));
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "optimizer.json"), "utf8")), { format: "ingot-optimizer", version: 1, meta });
});

test("saving over an existing model directory replaces it whole, leaving nothing stale or temporary", async () => {
  const parent = freshParent();
  const dir = join(parent, "m");
  await saveModelDir(dir, { ...contents(1), optimizer: { meta: { step: 1 }, tensors: { s: tensor([1]) } } });
  await saveModelDir(dir, contents(10));
  assert.deepEqual(readdirSync(dir).sort(), ["config.json", "model.safetensors"], "the old optimizer files are gone");
  assert.deepEqual(values((await loadModelDir(dir)).stateDict), values(contents(10).stateDict));
  assert.deepEqual(readdirSync(parent), ["m"]);
  // an empty directory may be filled; missing parents are created
  const empty = join(parent, "empty");
  mkdirSync(empty);
  await saveModelDir(empty, contents());
  await saveModelDir(join(parent, "a", "b", "c"), contents());
  assert.deepEqual(readdirSync(parent).sort(), ["a", "empty", "m"]);
});

test("a save that fails part way leaves the old directory intact and no temp directory behind", async () => {
  const parent = freshParent();
  const dir = join(parent, "m");
  await saveModelDir(dir, contents(1));
  const before = values((await loadModelDir(dir)).stateDict);
  const bad = tensor([1, 2]);
  bad.dataSync = () => {
    throw new Error("disk on fire");
  };
  // failing in the weights, and later, in the optimizer's tensors after the weights are written
  await assert.rejects(saveModelDir(dir, { ...contents(5), stateDict: { ...contents(5).stateDict, zz: bad } }), /disk on fire/);
  await assert.rejects(saveModelDir(dir, { ...contents(5), optimizer: { meta: {}, tensors: { s: bad } } }), /disk on fire/);
  assert.deepEqual(values((await loadModelDir(dir)).stateDict), before);
  assert.deepEqual(readdirSync(dir).sort(), ["config.json", "model.safetensors"]);
  assert.deepEqual(readdirSync(parent), ["m"]);
  // a first save that fails creates nothing
  await assert.rejects(saveModelDir(join(parent, "new"), { ...contents(), stateDict: { bad } }), /disk on fire/);
  assert.deepEqual(readdirSync(parent), ["m"]);
});

test("a process killed in the middle of saveModelDir leaves the old directory intact", async () => {
  const parent = freshParent();
  const dir = join(parent, "m");
  await saveModelDir(dir, contents(1));
  const before = values((await loadModelDir(dir)).stateDict);
  const r = spawnSync(process.execPath, ["--import", "tsx", join("test", "io", "die-mid-save.ts"), "dir", dir], { encoding: "utf8" });
  assert.equal(r.signal, "SIGKILL", r.stderr);
  const loaded = await loadModelDir(dir);
  assert.deepEqual(values(loaded.stateDict), before);
  assert.deepEqual(loaded.config.architecture, ARCH);
  const litter = readdirSync(parent).filter((f) => f !== "m");
  assert.equal(litter.length, 1);
  assert.match(litter[0], /^\.m\.tmp-/, "only the killed writer's hidden temp directory is left");
});

test("saveModelDir refuses to replace anything that is not a model directory", async () => {
  const parent = freshParent();
  const notes = join(parent, "notes");
  mkdirSync(notes);
  writeFileSync(join(notes, "todo.txt"), "keep me");
  await assert.rejects(saveModelDir(notes, contents()), (e: Error) => e instanceof ModelDirError && /notes is a non-empty directory without a config\.json of format "ingot-model"; refusing to replace it/.test(e.message));
  assert.equal(readFileSync(join(notes, "todo.txt"), "utf8"), "keep me");
  const file = join(parent, "file");
  writeFileSync(file, "x");
  await assert.rejects(saveModelDir(file, contents()), /exists and is not a directory; refusing to replace it/);
  assert.deepEqual(readdirSync(parent).sort(), ["file", "notes"]);
});

test("saveModelDir checks its input before writing, naming the field", async () => {
  const parent = freshParent();
  const dir = join(parent, "m");
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const cases: [Partial<ModelDirContents>, RegExp][] = [
    [{ architecture: undefined }, /saveModelDir: architecture is missing/],
    [{ architecture: { layers: [{ act: () => 1 }] } }, /saveModelDir: architecture\.layers\[0\]\.act is a function, which JSON cannot hold/],
    [{ architecture: { p: NaN } }, /architecture\.p is NaN/],
    [{ architecture: { p: undefined } }, /architecture\.p is undefined/],
    [{ architecture: { "odd key": [1, undefined, 3] } }, /architecture\["odd key"\]\[1\] is undefined/],
    [{ architecture: { holes: new Array(2) } }, /architecture\.holes\[0\] is undefined/],
    [{ architecture: cyclic }, /architecture\.self is a reference to itself/],
    [{ preprocessing: new Map() }, /preprocessing is a Map object/],
    [{ metadata: [1] as unknown as Record<string, unknown> }, /metadata must be an object/],
    [{ metadata: { when: new Date(0) } }, /metadata\.when is a Date object/],
    [{ optimizer: { meta: { big: 1n }, tensors: {} } }, /optimizer\.meta\.big is a bigint/],
    [{ stateDict: { w: [1] as unknown as Tensor } }, /saveModelDir: stateDict: tensors\["w"\] is not a Tensor/],
  ];
  for (const [patch, re] of cases) await assert.rejects(saveModelDir(dir, { ...contents(), ...patch }), re);
  assert.deepEqual(readdirSync(parent), []);
});

test("loadModelDir validates config.json and the files, naming file and field", async () => {
  const parent = freshParent();
  const dir = join(parent, "m");
  await saveModelDir(dir, contents());
  const cfg = join(dir, "config.json");
  const good = readFileSync(cfg, "utf8");
  const withConfig = async (text: string, re: RegExp): Promise<void> => {
    writeFileSync(cfg, text);
    await assert.rejects(loadModelDir(dir), (e: Error) => {
      assert.ok(e instanceof ModelDirError, String(e));
      assert.match(e.message, re);
      assert.ok(e.message.startsWith(`${cfg}: `), e.message);
      return true;
    });
  };
  const edit = (patch: Record<string, unknown>, drop?: string): string => {
    const c = { ...(JSON.parse(good) as Record<string, unknown>), ...patch };
    if (drop) delete c[drop];
    return JSON.stringify(c);
  };
  await withConfig("{not json", /not valid JSON/);
  await withConfig("[1]", /expected a JSON object, got an array/);
  await withConfig(edit({ format: "keras" }), /field "format": expected "ingot-model", got string "keras"/);
  await withConfig(edit({}, "format"), /field "format" is missing/);
  await withConfig(edit({ version: 2 }), /field "version": 2 is newer than this ingot reads \(1\)/);
  await withConfig(edit({ version: "1" }), /field "version": expected 1, got string "1"/);
  await withConfig(edit({}, "version"), /field "version" is missing/);
  await withConfig(edit({}, "architecture"), /field "architecture" is missing/);
  await withConfig(edit({ architecture: null }), /field "architecture": expected a description of the model, got null/);
  await withConfig(edit({ metadata: ["x"] }), /field "metadata": expected an object, got an array/);
  await withConfig(edit({ weights: "x" }), /unknown field "weights"/);
  await withConfig('{"format":"ingot-model","format":"ingot-model","version":1,"architecture":1}', /duplicate key "format"/);

  writeFileSync(cfg, good);
  const weights = join(dir, "model.safetensors");
  const bytes = readFileSync(weights);
  writeFileSync(weights, bytes.subarray(0, bytes.length - 3));
  await assert.rejects(loadModelDir(dir), (e: Error) => e instanceof SafetensorsError && e.message.startsWith(`${weights}: `));
  rmSync(weights);
  await assert.rejects(loadModelDir(dir), new RegExp(`^ModelDirError: ${dir}: model\\.safetensors is missing$`));
  writeFileSync(weights, bytes);

  writeFileSync(join(dir, "optimizer.json"), JSON.stringify({ format: "ingot-optimizer", version: 1, meta: {} }));
  await assert.rejects(loadModelDir(dir), /optimizer\.json is present but optimizer\.safetensors is missing/);
  writeFileSync(join(dir, "optimizer.safetensors"), bytes);
  writeFileSync(join(dir, "optimizer.json"), JSON.stringify({ format: "ingot-optimizer", version: 1 }));
  await assert.rejects(loadModelDir(dir), /optimizer\.json: field "meta" is missing/);
  rmSync(join(dir, "optimizer.json"));
  await assert.rejects(loadModelDir(dir), /optimizer\.safetensors is present but optimizer\.json is missing/);
  rmSync(join(dir, "optimizer.safetensors"));

  rmSync(cfg);
  await assert.rejects(loadModelDir(dir), new RegExp(`${dir}: config\\.json is missing`));
  await assert.rejects(loadModelDir(join(parent, "nope")), /nope: no such model directory/);
  writeFileSync(join(parent, "plain"), "x");
  await assert.rejects(loadModelDir(join(parent, "plain")), /plain: not a directory/);
});
