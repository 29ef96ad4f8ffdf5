import assert from "node:assert/strict";
import { liveTensors, manualSeed, ones, randn, scope, tensor, zeros, type Tensor } from "../../src/index.js";
import { Dropout, functionalCall, Identity, Linear, Module, Parameter, ReLU, Sequential, Tanh, type AnyModule } from "../../src/nn/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";

/** Registers by plain assignment (fields and constructor) and with the explicit helpers. */
class Block extends Module {
  fc1 = new Linear(4, 8);
  act = new ReLU();
  fc2: Linear;
  scale: Parameter;
  steps!: Tensor;

  constructor() {
    super();
    this.fc2 = new Linear(8, 2);
    this.scale = new Parameter(ones([2]));
    this.registerBuffer("steps", zeros([1]));
    this.registerBuffer("cache", zeros([3]), false);
  }

  override forward(x: Tensor): Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x))).mul(this.scale);
  }
}

class Net extends Module {
  encoder = new Block();
  head = new Sequential(new Linear(2, 2), new Tanh());
  note = "not state";

  override forward(x: Tensor): Tensor {
    return this.head.forward(this.encoder.forward(x));
  }
}

// PyTorch's order: a module's own parameters come before its children's
const PARAMS = ["encoder.scale", "encoder.fc1.weight", "encoder.fc1.bias", "encoder.fc2.weight", "encoder.fc2.bias", "head.0.weight", "head.0.bias"];

backendTest("parameters, buffers and children get dotted names in definition order", () => {
  const net = new Net();
  assert.deepEqual(net.namedParameters().map(([k]) => k), PARAMS);
  assert.equal(net.parameters().length, 7);
  assert.ok(net.parameters().every((p) => p instanceof Parameter && p.requiresGrad));
  assert.deepEqual(net.namedBuffers().map(([k]) => k), ["encoder.steps", "encoder.cache"]);
  assert.deepEqual(Object.keys(net.stateDict()), ["encoder.scale", "encoder.steps", ...PARAMS.slice(1)], "own buffers follow own parameters; non-persistent ones are not saved");
  assert.deepEqual(net.namedChildren().map(([k]) => k), ["encoder", "head"]);
  assert.deepEqual(net.namedModules().map(([k]) => k), ["", "encoder", "encoder.fc1", "encoder.act", "encoder.fc2", "head", "head.0", "head.1"]);
  assert.deepEqual(net.encoder.namedParameters("enc", false).map(([k]) => k), ["enc.scale"], "recurse=false: own parameters only");
  assert.equal(net.getSubmodule("encoder.fc2"), net.encoder.fc2);
  assert.throws(() => net.getSubmodule("encoder.fc3"), /getSubmodule: "encoder" \(Block\) has no submodule "fc3"/);
  // 4·8+8 + 8·2+2 + 2 + 2·2+2
  assert.equal(net.numParameters(), 66);
  net.head.requiresGrad_(false);
  assert.equal(net.numParameters(true), 60);
});

backendTest("explicit registration, replacement and its errors", () => {
  const m = new Identity();
  m.registerParameter("alpha", new Parameter(ones([3])));
  m.registerModule("inner", new ReLU());
  m.registerParameter("bias", null);
  assert.deepEqual(Object.keys(m.stateDict()), ["alpha"]);
  assert.deepEqual(m.namedChildren().map(([k]) => k), ["inner"]);
  (m as unknown as { alpha: Parameter }).alpha = new Parameter(zeros([5]));
  assert.deepEqual([...m.stateDict().alpha.shape], [5], "plain reassignment replaces the parameter");
  assert.throws(() => m.registerParameter("a.b", new Parameter(ones([1]))), /registerParameter: name must be a non-empty string without "\."/);
  assert.throws(() => m.registerParameter("forward", new Parameter(ones([1]))), /registerParameter: "forward" would hide Identity.forward/);
  assert.throws(() => m.registerParameter("training", new Parameter(ones([1]))), /Identity.training already exists and holds boolean true/);
  assert.throws(() => m.registerParameter("w", ones([2]) as Parameter), /Identity.w must be a Parameter \(wrap the tensor: new Parameter\(t\)\), got a Tensor \[2\]/);
  assert.throws(() => m.registerModule("sub", {} as AnyModule), /registerModule: Identity.sub must be a Module, got a plain object/);
});

backendTest("a plain array of modules is an error, not silently untrained", () => {
  class Bad extends Identity {
    layers = [new Linear(2, 2)];
  }
  assert.throws(() => new Bad().parameters(), /Bad.layers is a plain array of modules or parameters; use a ModuleList/);
});

backendTest("shared parameters are listed once but saved under every name", () => {
  const a = new Linear(3, 3);
  const b = new Linear(3, 3);
  b.weight = a.weight;
  const seq = new Sequential(a, b);
  assert.equal(seq.parameters().length, 3);
  assert.deepEqual(Object.keys(seq.stateDict()), ["0.weight", "0.bias", "1.weight", "1.bias"]);
  const shared = new ReLU();
  const twice = new Sequential(shared, shared);
  assert.equal(twice.modules().length, 2, "a module reachable twice is visited once");
});

backendTest("train() and eval() reach every submodule; apply visits children first", () => {
  const net = new Net();
  assert.ok(net.modules().every((m) => m.training));
  assert.equal(net.eval(), net);
  assert.ok(net.modules().every((m) => !m.training));
  net.train();
  assert.ok(net.modules().every((m) => m.training));
  const seen: string[] = [];
  net.head.apply((m) => seen.push(m.constructor.name));
  assert.deepEqual(seen, ["Linear", "Tanh", "Sequential"]);
});

backendTest("call() runs forward", () => {
  const l = new Linear(2, 3);
  const x = randn([4, 2]);
  assertClose(l.call(x), l.forward(x));
});

backendTest("zeroGrad disposes gradients (default) or zeroes them in place", () => {
  const net = new Net();
  net.forward(randn([3, 4])).sum().backward();
  assert.ok(net.parameters().every((p) => p.grad));
  net.zeroGrad(false);
  assert.ok(net.parameters().every((p) => p.grad && p.grad.dataSync().every((v) => v === 0)));
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
});

backendTest("loadStateDict copies values so outputs match", () => {
  manualSeed(1);
  const a = new Net();
  const b = new Net();
  const x = randn([2, 4]);
  assert.notDeepEqual(a.forward(x).dataSync(), b.forward(x).dataSync());
  bumpSteps(a);
  const result = b.loadStateDict(a.stateDict());
  assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
  assertClose(b.forward(x), a.forward(x), 0, 0);
  assert.notEqual(b.encoder.fc1.weight, a.encoder.fc1.weight, "values are copied, not shared");
  assertClose(b.encoder.steps, [7]);
  b.loadStateDict(new Map(Object.entries(a.stateDict())));
});

function bumpSteps(n: Net): void {
  n.encoder.steps = n.encoder.steps.add(7);
}

backendTest("loadStateDict names missing and unexpected keys and both shapes, and loads nothing on error", () => {
  const net = new Net();
  const sd = { ...new Net().stateDict() };
  delete sd["head.0.bias"];
  sd["head.1.weight"] = ones([2]);
  const before = net.encoder.fc1.weight.dataSync();
  assert.throws(() => net.loadStateDict(sd), (e: Error) => {
    assert.match(e.message, /^loadStateDict: cannot load into Net:/);
    assert.match(e.message, /missing keys: head\.0\.bias/);
    assert.match(e.message, /unexpected keys: head\.1\.weight/);
    return true;
  });
  assert.deepEqual(net.encoder.fc1.weight.dataSync(), before);
  const result = net.loadStateDict(sd, { strict: false });
  assert.deepEqual(result, { missingKeys: ["head.0.bias"], unexpectedKeys: ["head.1.weight"] });
  assert.notDeepEqual(net.encoder.fc1.weight.dataSync(), before, "non-strict loads the keys that match");
  const bad = { ...net.stateDict(), "encoder.fc1.weight": ones([8, 5]) };
  assert.throws(() => net.loadStateDict(bad, { strict: false }), /size mismatch for encoder\.fc1\.weight: state dict has \[8,5\], model has \[8,4\]/);
  const badType = { ...net.stateDict(), "encoder.steps": tensor([1], { dtype: "int32" }) };
  assert.throws(() => net.loadStateDict(badType), /dtype mismatch for encoder\.steps: state dict has int32, model has float32/);
  assert.throws(() => net.loadStateDict({ ...net.stateDict(), "encoder.scale": 3 as unknown as Tensor }), /encoder\.scale: expected a Tensor, got number 3/);
});

backendTest("to() on the current device keeps the same tensors", () => {
  const net = new Net();
  const before = net.parameters();
  assert.equal(net.to("cpu"), net);
  assert.deepEqual(net.parameters(), before);
});

backendTest("modules built inside a scope keep their state; dispose() frees it", () => {
  const base = liveTensors();
  const net = scope(() => new Net());
  assert.ok(net.parameters().every((p) => !p.isDisposed));
  assert.ok(net.buffers().every((b) => !b.isDisposed));
  assert.equal(liveTensors(), base + 9, "7 parameters and 2 buffers");
  net.dispose();
  assert.equal(liveTensors(), base);
  assert.ok(net.parameters().every((p) => p.isDisposed));
});

backendTest("functionalCall substitutes parameters for one call and restores them", () => {
  const l = new Linear(2, 1);
  const x = tensor([[1, 2]]);
  const w = tensor([[3, 4]]);
  const b = tensor([0.5]);
  assertClose(functionalCall(l, { weight: w, bias: b }, x), [11.5]);
  assert.ok(l.weight instanceof Parameter && l.bias instanceof Parameter, "originals are back");
  assert.throws(() => functionalCall(l, { gamma: w }, x), /functionalCall: Linear has no parameter or buffer "gamma"/);
  const seq = new Sequential(new Linear(2, 1));
  assertClose(functionalCall(seq, { "0.weight": w, "0.bias": b }, x), [11.5]);
});

backendTest("toString prints the tree with each layer's settings", () => {
  const net = new Sequential(new Linear(4, 2, { bias: false }), new Dropout(0.25));
  assert.equal(String(net), "Sequential(\n  (0): Linear(inFeatures=4, outFeatures=2, bias=false)\n  (1): Dropout(p=0.25)\n)");
  assert.equal(String(new Net()).split("\n")[0], "Net(");
});
