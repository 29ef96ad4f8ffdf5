import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Accuracy, Adam, Dropout, liveTensors, manualSeed, SGD, StepLR, ReduceLROnPlateau, tensor } from "../../src/index.js";
import { EarlyStopping, evaluate, fit, JsonlLogger, ModelCheckpoint, predict, type Callback, type EpochLogs } from "../../src/train/index.js";
import { asyncBackendTest, toyData, toyModel, weightsOf, withTempDir } from "./helpers.js";

const bce = (p: number, y: number): number => -(y * Math.log(p) + (1 - y) * Math.log(1 - p));

asyncBackendTest("fit learns a separable toy problem and reports loss, metrics and validation", async () => {
  const model = toyModel(1);
  const train = toyData(128, 2);
  const val = toyData(64, 3);
  const history = await fit(model, { train, val, loss: "bce", optimizer: new Adam(model.parameters(), { lr: 0.02 }), epochs: 30, batchSize: 16, metrics: [new Accuracy()], seed: 4 });
  assert.equal(history.length, 30);
  assert.deepEqual(history.map((h) => h.epoch), Array.from({ length: 30 }, (_, i) => i + 1));
  assert.ok(history[29].loss < history[0].loss / 3, `loss ${history[0].loss} -> ${history[29].loss}`);
  assert.ok((history[29].valAccuracy ?? 0) >= 0.9, `val accuracy ${history[29].valAccuracy}`);
  // the logged validation numbers are what evaluate() says about the final model
  const v = evaluate(model, val, { loss: "bce", metrics: [new Accuracy()] });
  assert.ok(Math.abs(v.loss - (history[29].valLoss ?? NaN)) < 1e-6);
  assert.equal(v.accuracy, history[29].valAccuracy);
  assert.equal(model.training, true, "training mode is restored");
});

asyncBackendTest("memory stays flat across epochs", async () => {
  const model = toyModel(1);
  const train = toyData(64, 2);
  const val = toyData(32, 3);
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  await fit(model, { train, val, loss: "bce", optimizer, epochs: 1, batchSize: 8, metrics: [new Accuracy()] });
  const live = liveTensors();
  await fit(model, { train, val, loss: "bce", optimizer, epochs: 4, initialEpoch: 1, batchSize: 8, metrics: [new Accuracy()] });
  assert.equal(liveTensors(), live);
});

asyncBackendTest("gradient accumulation of two half-batches equals one full-batch step", async () => {
  const data = toyData(16, 5);
  const full = toyModel(7);
  const halves = toyModel(7);
  await fit(full, { train: data, loss: "bce", optimizer: new SGD(full.parameters(), { lr: 0.5 }), epochs: 1, batchSize: 16, shuffle: false });
  const h = await fit(halves, { train: data, loss: "bce", optimizer: new SGD(halves.parameters(), { lr: 0.5 }), epochs: 1, batchSize: 8, gradAccumulation: 2, shuffle: false });
  const a = weightsOf(full).flat();
  const b = weightsOf(halves).flat();
  const before = weightsOf(toyModel(7)).flat();
  assert.ok(a.some((v, i) => Math.abs(v - before[i]) > 1e-3), "the step moved the weights");
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-6, `weight ${i}: ${v} vs ${b[i]}`));
  // an uneven last group (16 = 6 + 6 + 4 with k = 2: groups of 12 and 4) still weights by samples
  assert.equal(h.length, 1);
  const uneven = toyModel(7);
  await fit(uneven, { train: data, loss: "bce", optimizer: new SGD(uneven.parameters(), { lr: 0.5 }), epochs: 1, batchSize: 6, gradAccumulation: 3, shuffle: false });
  const oneBatch = toyModel(7);
  await fit(oneBatch, { train: data, loss: "bce", optimizer: new SGD(oneBatch.parameters(), { lr: 0.5 }), epochs: 1, batchSize: 18, shuffle: false });
  const c = weightsOf(uneven).flat();
  weightsOf(oneBatch).flat().forEach((v, i) => assert.ok(Math.abs(v - c[i]) <= 1e-6, `weight ${i}: ${v} vs ${c[i]}`));
});

asyncBackendTest("class weights multiply each sample's loss by its class weight before the mean", async () => {
  const data = toyData(12, 8);
  const model = toyModel(9);
  const p = Array.from(predict(model, data.x).dataSync());
  const y = Array.from(data.y.dataSync());
  const weights = [0.5, 3];
  // lr 0: the logged loss is the loss of the untouched model
  const h = await fit(model, { train: data, loss: "bce", optimizer: new SGD(model.parameters(), { lr: 0 }), epochs: 1, batchSize: 12, classWeights: weights, shuffle: false });
  const expected = p.reduce((s, pi, i) => s + weights[y[i]] * bce(pi, y[i]), 0) / p.length;
  const plain = p.reduce((s, pi, i) => s + bce(pi, y[i]), 0) / p.length;
  assert.ok(Math.abs(h[0].loss - expected) < 1e-5, `${h[0].loss} vs ${expected}`);
  assert.ok(Math.abs(expected - plain) > 1e-2, "the weights make a difference here");
  const h1 = await fit(model, { train: data, loss: "bce", optimizer: new SGD(model.parameters(), { lr: 0 }), epochs: 1, batchSize: 12, classWeights: [1, 1] });
  assert.ok(Math.abs(h1[0].loss - plain) < 1e-5);
  await assert.rejects(fit(model, { train: data, loss: (a, b) => a.sub(b).mean(), optimizer: new SGD(model.parameters(), { lr: 0 }), epochs: 1, classWeights: weights }), /classWeights needs the loss given by name/);
  await assert.rejects(fit(model, { train: data, loss: "bce", optimizer: new SGD(model.parameters(), { lr: 0 }), epochs: 1, classWeights: [1] }), /classWeights has 1 entries but a target is 1/);
});

/** Records a copy of the weights after every epoch. */
class WeightRecorder implements Callback {
  readonly byEpoch = new Map<number, number[][]>();
  onEpochEnd(epoch: number, _logs: EpochLogs, ctx: Parameters<NonNullable<Callback["onEpochEnd"]>>[2]): void {
    this.byEpoch.set(epoch, weightsOf(ctx.model));
  }
}

asyncBackendTest("early stopping stops after `patience` bad epochs and restores the best epoch's weights", async () => {
  const model = toyModel(3);
  // validation labels are the opposite rule: the better the model learns, the worse the val loss
  const train = toyData(64, 10);
  const val = toyData(64, 11, true);
  const recorder = new WeightRecorder();
  const stopper = new EarlyStopping({ monitor: "valLoss", patience: 2, restoreBestWeights: true });
  const history = await fit(model, { train, val, loss: "bce", optimizer: new Adam(model.parameters(), { lr: 0.05 }), epochs: 50, batchSize: 16, callbacks: [recorder, stopper] });
  const losses = history.map((h) => h.valLoss as number);
  const best = losses.indexOf(Math.min(...losses));
  assert.ok(history.length < 50, `stopped after ${history.length} epochs`);
  assert.equal(stopper.bestEpoch, best + 1);
  assert.equal(stopper.best, losses[best]);
  assert.equal(stopper.stoppedEpoch, history.length);
  assert.equal(history.length, stopper.bestEpoch + 3, "patience 2: the third epoch without improvement stops");
  assert.notDeepEqual(recorder.byEpoch.get(history.length), recorder.byEpoch.get(stopper.bestEpoch));
  assert.deepEqual(weightsOf(model), recorder.byEpoch.get(stopper.bestEpoch));
  assert.throws(() => new EarlyStopping({ patience: -1 }), /patience must be an integer >= 0/);
  await assert.rejects(fit(model, { train, loss: "bce", optimizer: new SGD(model.parameters(), { lr: 0 }), epochs: 1, callbacks: [new EarlyStopping({ monitor: "valAccuracy" })] }), /monitor "valAccuracy" is not in the epoch logs; available: epoch, loss/);
});

asyncBackendTest("ModelCheckpoint writes model directories; JsonlLogger writes one parsable line per epoch", async () => {
  await withTempDir(async (tmp) => {
    const model = toyModel(3);
    const train = toyData(32, 10);
    const val = toyData(32, 11);
    const every = new ModelCheckpoint({ dir: join(tmp, "every-{epoch}") });
    const best = new ModelCheckpoint({ dir: join(tmp, "best"), monitor: "valLoss", saveBestOnly: true });
    const steps = new ModelCheckpoint({ dir: join(tmp, "step-{step}"), everyNSteps: 3 });
    const log = join(tmp, "logs", "train.jsonl");
    const history = await fit(model, { train, val, loss: "bce", optimizer: new Adam(model.parameters(), { lr: 0.01 }), epochs: 3, batchSize: 8, metrics: [new Accuracy()], callbacks: [every, best, steps], logFile: log });
    for (const e of [1, 2, 3]) {
      assert.deepEqual(readdirSync(join(tmp, `every-${e}`)).sort(), ["config.json", "model.safetensors", "optimizer.json", "optimizer.safetensors"]);
      const config = JSON.parse(readFileSync(join(tmp, `every-${e}`, "config.json"), "utf8"));
      assert.equal(config.metadata.fit.epoch, e);
      assert.equal(config.metadata.logs.loss, history[e - 1].loss);
    }
    // 4 steps per epoch, 12 in all: every 3rd step
    assert.deepEqual(steps.saved.map((d) => d.slice(tmp.length + 1)), ["step-3", "step-6", "step-9", "step-12"]);
    let improvements = 0;
    history.reduce((lo, h) => ((h.valLoss as number) < lo ? (improvements++, h.valLoss as number) : lo), Infinity);
    assert.equal(best.saved.length, improvements);
    assert.ok(existsSync(join(tmp, "best", "model.safetensors")));

    const lines = readFileSync(log, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as EpochLogs);
    assert.equal(lines.length, 3);
    lines.forEach((l, i) => {
      assert.equal(l.epoch, i + 1);
      assert.equal(l.loss, history[i].loss);
      assert.equal(l.valAccuracy, history[i].valAccuracy);
    });
    assert.throws(() => new JsonlLogger(""), /path must be a non-empty string/);
  });
});

asyncBackendTest("resuming from a checkpoint is bit-identical to training straight through", async () => {
  await withTempDir(async (tmp) => {
    const train = toyData(40, 20);
    const val = toyData(16, 21);
    // dropout draws from the default generator, the scheduler has state, the data is reshuffled each epoch
    const run = async (modelSeed: number, epochs: number, extra: { initialEpoch?: number; resumeFrom?: string; callbacks?: Callback[] } = {}): Promise<{ w: number[][]; h: EpochLogs[] }> => {
      const model = toyModel(modelSeed, [new Dropout(0.3)]);
      const optimizer = new Adam(model.parameters(), { lr: 0.02 });
      const scheduler = new StepLR(optimizer, { stepSize: 1, gamma: 0.7 });
      const h = await fit(model, { train, val, loss: "bce", optimizer, scheduler, epochs, batchSize: 6, seed: 5, metrics: [new Accuracy()], ...extra });
      return { w: weightsOf(model), h };
    };
    manualSeed(123);
    const straight = await run(1, 4);
    manualSeed(123);
    const first = await run(1, 2, { callbacks: [new ModelCheckpoint({ dir: join(tmp, "ck") })] });
    manualSeed(999); // the checkpoint restores the default generator, whatever it is now
    const resumed = await run(77, 4, { initialEpoch: 2, resumeFrom: join(tmp, "ck") });
    assert.deepEqual(resumed.h.map((h) => h.epoch), [3, 4]);
    assert.deepEqual(first.h, straight.h.slice(0, 2));
    assert.deepEqual(resumed.h, straight.h.slice(2), "losses, metrics and learning rates match");
    assert.deepEqual(resumed.w, straight.w);
    await assert.rejects(run(77, 4, { initialEpoch: 1, resumeFrom: join(tmp, "ck") }), /initialEpoch is 1 but the checkpoint .* was taken after epoch 2/);
  });
});

asyncBackendTest("a mid-epoch checkpoint (everyNSteps) also resumes bit-identically", async () => {
  await withTempDir(async (tmp) => {
    const train = toyData(30, 30);
    const run = async (modelSeed: number, epochs: number, extra: { resumeFrom?: string; callbacks?: Callback[] } = {}): Promise<number[][]> => {
      const model = toyModel(modelSeed);
      await fit(model, { train, loss: "bce", optimizer: new Adam(model.parameters(), { lr: 0.02 }), epochs, batchSize: 4, seed: 2, ...extra });
      return weightsOf(model);
    };
    const straight = await run(1, 3);
    // 8 batches per epoch: step 12 is batch 4 of epoch 2
    const ck = new ModelCheckpoint({ dir: join(tmp, "s{step}"), everyNSteps: 12 });
    await run(1, 2, { callbacks: [ck] });
    assert.deepEqual(ck.saved.map((d) => d.slice(tmp.length + 1)), ["s12"]);
    assert.deepEqual(await run(50, 3, { resumeFrom: join(tmp, "s12") }), straight);
  });
});

asyncBackendTest("ReduceLROnPlateau is stepped once per epoch with the monitored value", async () => {
  // monitoring "epoch" (rising every epoch) makes the outcome known: in "min" mode it never improves
  for (const [mode, lrs, last] of [["min", [0.1, 0.1, 0.05], 0.025], ["max", [0.1, 0.1, 0.1], 0.1]] as const) {
    const model = toyModel(3);
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    const scheduler = new ReduceLROnPlateau(optimizer, { mode, patience: 0, factor: 0.5 });
    const history = await fit(model, { train: toyData(16, 1), loss: "bce", optimizer, scheduler, schedulerMonitor: "epoch", epochs: 3, batchSize: 16 });
    assert.deepEqual(history.map((h) => h.lr), lrs, "each epoch logs the rate it trained with");
    assert.ok(Math.abs(scheduler.getLastLr()[0] - last) < 1e-12);
  }
});

asyncBackendTest("predict and evaluate batch without changing the answer", async () => {
  const model = toyModel(4);
  const data = toyData(23, 6);
  const all = Array.from(predict(model, data.x, { batchSize: 100 }).dataSync());
  const batched = predict(model, data.x, { batchSize: 5 });
  assert.deepEqual(batched.shape, [23, 1]);
  Array.from(batched.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - all[i]) < 1e-6));
  const y = Array.from(data.y.dataSync());
  const expected = all.reduce((s, p, i) => s + bce(p, y[i]), 0) / all.length;
  const r = evaluate(model, data, { loss: "bce", batchSize: 5, metrics: [new Accuracy()] });
  assert.ok(Math.abs(r.loss - expected) < 1e-5, `${r.loss} vs ${expected}`);
  assert.equal(r.accuracy, all.filter((p, i) => Number(p > 0.5) === y[i]).length / all.length);
});

asyncBackendTest("bad input gets a clear error", async () => {
  const model = toyModel(4);
  const optimizer = new SGD(model.parameters(), { lr: 0.1 });
  const x = tensor(new Float32Array(30), { shape: [10, 3] });
  await assert.rejects(fit(model, { train: { x, y: tensor(new Float32Array(9), { shape: [9, 1] }) }, loss: "bce", optimizer, epochs: 1 }), /train.x has 10 samples but train.y has 9/);
  await assert.rejects(fit(model, { train: toyData(4, 1), loss: "bce", optimizer, epochs: 1, batchSize: 0 }), /batchSize must be an integer >= 1, got 0/);
  await assert.rejects(fit(model, { train: toyData(4, 1), loss: "nope" as "bce", optimizer, epochs: 1 }), /unknown loss "nope"/);
  await assert.rejects(fit(model, { train: toyData(4, 1), loss: "bce", optimizer, epochs: 1, resumeFrom: "/nonexistent/ck" }), /no such model directory/);
});
