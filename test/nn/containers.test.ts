import assert from "node:assert/strict";
import { add, liveTensors, manualSeed, noGrad, randn, relu, scope, tensor } from "../../src/index.js";
import { Identity, Linear, ModuleDict, ModuleList, ReLU, Residual, Sequential, Tanh } from "../../src/nn/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";
import { gradcheckModule } from "./helpers.js";

backendTest("Sequential chains its layers and names them 0, 1, ...", () => {
  manualSeed(4);
  const a = new Linear(3, 4);
  const b = new Linear(4, 2);
  const seq = new Sequential(a, new ReLU(), b);
  const x = randn([5, 3]);
  assertClose(seq.forward(x), b.forward(relu(a.forward(x))));
  assert.deepEqual(seq.namedParameters().map(([k]) => k), ["0.weight", "0.bias", "2.weight", "2.bias"]);
  assert.equal(seq.length, 3);
  assert.equal(seq.at(0), a);
  assert.equal(seq.at(-1), b);
  assert.deepEqual([...seq], seq.layers());
  seq.append(new Tanh());
  assert.equal(seq.length, 4);
  assert.deepEqual(seq.namedChildren().map(([k]) => k), ["0", "1", "2", "3"]);
  assert.throws(() => seq.at(4), /Sequential.at: index 4 out of range for 4 modules/);
  assert.throws(() => seq.append({} as Linear), /Sequential.append: expected a Module, got a plain object/);
});

backendTest("a small Sequential gradchecks through input and every parameter", () => {
  manualSeed(8);
  gradcheckModule(new Sequential(new Linear(3, 4), new Tanh(), new Linear(4, 2)), [randn([2, 3])]);
});

backendTest("Sequential under noGrad frees its intermediate outputs", () => {
  const seq = new Sequential(new Linear(8, 8), new ReLU(), new Linear(8, 8), new Tanh());
  const x = randn([4, 8]);
  const before = liveTensors();
  const y = noGrad(() => seq.forward(x));
  assert.equal(liveTensors(), before + 1, "only the output is left");
  y.dispose();
});

backendTest("Residual computes x + body(x) and needs the shape kept", () => {
  const l = new Linear(3, 3);
  const r = new Residual(l);
  const x = randn([2, 3]);
  assertClose(r.forward(x), add(x, l.forward(x)));
  assertClose(new Residual(new Identity()).forward(tensor([1, 2])), [2, 4]);
  assert.deepEqual(Object.keys(r.stateDict()), ["body.weight", "body.bias"]);
  assert.throws(() => new Residual(new Linear(3, 2)).forward(x), { message: "Residual(Linear): body maps [2,3] to [2,2]; a residual needs the shape kept" });
});

backendTest("ModuleList registers its modules; it has no forward", () => {
  const list = new ModuleList([new Linear(2, 2), new Linear(2, 3)]);
  list.append(new Linear(3, 1, { bias: false }));
  assert.equal(list.length, 3);
  assert.deepEqual(list.namedParameters().map(([k]) => k), ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight"]);
  assert.equal(list.at(-1).outFeatures, 1, "at() keeps the element type");
  const x = scope(() => [...list].reduce((h, l) => l.forward(h), randn([4, 2])));
  assert.deepEqual([...x.shape], [4, 1]);
  assert.throws(() => list.forward(), /ModuleList has no forward\(\); iterate it/);
});

backendTest("ModuleDict keeps insertion order and names entries by key", () => {
  const d = new ModuleDict([["encoder", new Linear(4, 2)], ["1", new ReLU()], ["decoder", new Linear(2, 4)]]);
  assert.deepEqual(d.keys(), ["encoder", "1", "decoder"]);
  assert.deepEqual(Object.keys(d.stateDict()), ["encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias"]);
  assert.equal(d.size, 3);
  assert.ok(d.has("1"));
  assert.ok(d.delete("1"));
  assert.equal(d.get("1"), undefined);
  // keys may be any names without "." — even those of Module's methods, since they are not properties
  d.set("forward", new Identity());
  assert.deepEqual(d.keys(), ["encoder", "decoder", "forward"]);
  assert.throws(() => d.set("a.b", new Identity()), /ModuleDict: key must be a non-empty string without "\."/);
  assert.throws(() => d.forward(), /ModuleDict has no forward\(\)/);
});
