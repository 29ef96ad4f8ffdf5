import assert from "node:assert/strict";
import { manualSeed, noGrad, randn, type Tensor } from "../../src/index.js";
import { BatchNorm1d, BatchNorm2d, ConfigReader, Linear, Module, moduleFromConfig, registeredLayers, registerLayer, Sequential, type AnyModule, type LayerConfig } from "../../src/nn/index.js";
import { backendTest } from "../helpers/backends.js";
import { samples } from "./layer-samples.js";
import { assertClose } from "../helpers/gradcheck.js";

const MY_TYPES = [
  "Linear", "Bilinear", "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d",
  "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "RMSNorm", "Dropout", "Embedding", "Flatten",
  "Identity", "ReLU", "LeakyReLU", "GELU", "SiLU", "Sigmoid", "Tanh", "ELU", "Softmax", "LogSoftmax", "Residual", "Sequential",
  "ModuleList", "ModuleDict",
];

backendTest("every layer type survives config → JSON → rebuild → loadStateDict with identical outputs", () => {
  manualSeed(21);
  const covered = new Set<string>();
  for (const [orig, makeInputs] of samples()) {
    const config = orig.getConfig();
    covered.add(config.type);
    const what = config.type;
    // give BatchNorm non-trivial running statistics before saving
    if (orig instanceof BatchNorm1d || orig instanceof BatchNorm2d) noGrad(() => (orig as unknown as Module).forward(makeInputs()[0]));
    const parsed = JSON.parse(JSON.stringify(config)) as LayerConfig;
    const copy = moduleFromConfig(parsed);
    assert.equal(copy.constructor, orig.constructor, `${what}: same class`);
    assert.deepEqual(copy.getConfig(), config, `${what}: same config`);
    assert.deepEqual(Object.keys(copy.stateDict()), Object.keys(orig.stateDict()), `${what}: same state keys`);
    copy.loadStateDict(orig.stateDict());
    for (const [k, t] of Object.entries(orig.stateDict())) assertClose(copy.stateDict()[k], t, 0, 0, `${what} ${k}`);
    const inputs = makeInputs();
    if (inputs.length === 0) continue;
    orig.eval();
    copy.eval();
    const run = (mod: AnyModule): Tensor => (mod as unknown as Module<Tensor[], Tensor>).forward(...inputs);
    assertClose(run(copy), run(orig), 0, 0, `${what} output`);
  }
  assert.deepEqual([...covered].sort(), [...MY_TYPES].sort(), "every layer type is round-tripped");
  for (const t of MY_TYPES) assert.ok(registeredLayers().includes(t), `${t} is registered`);
});

backendTest("moduleFromConfig explains unknown types and bad fields", () => {
  assert.throws(() => moduleFromConfig({ type: "Linearr", inFeatures: 2 }), /moduleFromConfig: unknown layer type "Linearr"; register it with registerLayer\("Linearr", factory\)\. Known types: .*Linear/);
  assert.throws(() => moduleFromConfig({ inFeatures: 2 } as unknown as LayerConfig), /moduleFromConfig: config has no string "type" field/);
  assert.throws(() => moduleFromConfig(null as unknown as LayerConfig), /moduleFromConfig: expected a config object with a "type", got null/);
  assert.throws(() => moduleFromConfig({ type: "Linear", inFeatures: "4", outFeatures: 2 }), { message: 'moduleFromConfig: Linear config field "inFeatures" must be an integer, got "4"' });
  assert.throws(() => moduleFromConfig({ type: "Linear", inFeatures: 4 }), /Linear config field "outFeatures" must be an integer, got nothing/);
  assert.throws(() => moduleFromConfig({ type: "GELU", approximate: "fast" }), /GELU config field "approximate" must be "none" or "tanh", got "fast"/);
  assert.throws(() => moduleFromConfig({ type: "Sequential", layers: [{ type: "ReLU" }, 3] }), /Sequential config field "layers" must be a list of layer configs/);
  assert.throws(() => moduleFromConfig({ type: "Sequential", layers: [{ type: "Nope" }] }), /unknown layer type "Nope"/);
  // omitted optional fields take the constructor's defaults
  assert.deepEqual(moduleFromConfig({ type: "Linear", inFeatures: 2, outFeatures: 3 }).getConfig(), { type: "Linear", inFeatures: 2, outFeatures: 3, bias: true });
});

class Scale extends Module {
  constructor(readonly factor: number) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return x.mul(this.factor);
  }

  override getConfig(): LayerConfig {
    return { type: "Scale", factor: this.factor };
  }
}

backendTest("custom layers register a factory and nest in containers", () => {
  if (!registeredLayers().includes("Scale")) registerLayer("Scale", (c) => new Scale(new ConfigReader(c).number("factor")));
  assert.throws(() => registerLayer("Scale", (c) => new Scale(new ConfigReader(c).number("factor"))), /registerLayer: layer type "Scale" is already registered; pass \{ replace: true \}/);
  registerLayer("Scale", (c) => new Scale(new ConfigReader(c).number("factor")), { replace: true });
  const model = new Sequential(new Linear(2, 2), new Scale(3));
  const copy = moduleFromConfig<Sequential>(JSON.parse(JSON.stringify(model.getConfig())) as LayerConfig);
  copy.loadStateDict(model.stateDict());
  const x = randn([4, 2]);
  assertClose(copy.forward(x), model.forward(x), 0, 0);
  assert.ok(copy.at(1) instanceof Scale);
});

backendTest("a module without getConfig says how to make it rebuildable", () => {
  class Plain extends Module {
    override forward(x: Tensor): Tensor {
      return x;
    }
  }
  assert.throws(() => new Sequential(new Plain()).getConfig(), /Plain has no getConfig\(\); override it and registerLayer\("Plain", factory\)/);
  assert.equal(String(new Plain()), "Plain()");
});
