// Shared by the nn tests: decoding the PyTorch layer fixtures (nn-layers.json) and running a layer
// through them, and gradchecking a module with respect to its inputs and parameters.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { tensor, type Tensor } from "../../src/index.js";
import { functionalCall, moduleFromConfig, type AnyModule, type LayerConfig, type Module } from "../../src/nn/index.js";
import { assertClose, gradcheck, type GradcheckOptions } from "../helpers/gradcheck.js";

export interface Enc {
  shape: number[];
  dtype: "float32" | "int32";
  data: number[];
}

export interface Step {
  mode: "train" | "eval";
  inputs: Enc[];
  output: Enc;
  upstream?: Enc;
  inputGrads?: Enc[];
  paramGrads?: Record<string, Enc>;
  buffers: Record<string, Enc>;
}

export interface LayerCase {
  config: LayerConfig;
  state: Record<string, Enc>;
  steps: Step[];
}

export interface LayerFixtures {
  layers: Record<string, LayerCase>;
  init: {
    gains: Record<string, number>;
    fans: Record<string, [number, number]>;
    bounds: Record<string, { bound: number; weightStd: number }>;
  };
}

export const fixtures = JSON.parse(readFileSync(new URL("../fixtures/nn-layers.json", import.meta.url), "utf8")) as LayerFixtures;

export function dec(e: Enc): Tensor {
  const data = e.dtype === "float32" ? Float32Array.from(e.data) : Int32Array.from(e.data);
  return tensor(data, { shape: e.shape, dtype: e.dtype });
}

type Forward = (...xs: Tensor[]) => Tensor;

/**
 * Builds the fixture's layer from its config, loads the recorded state and replays every step,
 * comparing outputs, gradients (of sum(output · upstream)) and buffers with PyTorch's.
 */
export function runLayerCase(name: string): void {
  const c = fixtures.layers[name];
  assert.ok(c, `no fixture ${name}`);
  const m = moduleFromConfig(c.config);
  assert.deepEqual(m.getConfig(), c.config, `${name}: config`);
  m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, e]) => [k, dec(e)])));
  const forward = (m as unknown as { forward: Forward }).forward.bind(m);
  c.steps.forEach((s, i) => {
    const what = `${name} step ${i} (${s.mode})`;
    m.train(s.mode === "train");
    m.zeroGrad();
    const xs = s.inputs.map((e) => (s.upstream && e.dtype === "float32" ? dec(e).requiresGrad_() : dec(e)));
    const y = forward(...xs);
    assert.deepEqual([...y.shape], s.output.shape, `${what}: output shape`);
    assertClose(y, s.output.data, 1e-4, 1e-5, `${what} output`);
    if (s.upstream) {
      y.mul(dec(s.upstream)).sum().backward();
      const floatXs = xs.filter((x) => x.dtype === "float32");
      s.inputGrads!.forEach((g, j) => assertClose(floatXs[j].grad!, g.data, 1e-4, 1e-5, `${what} input ${j} grad`));
      const params = new Map(m.namedParameters());
      assert.deepEqual([...params.keys()].sort(), Object.keys(s.paramGrads!).sort(), `${what}: parameter names`);
      for (const [k, g] of Object.entries(s.paramGrads!)) assertClose(params.get(k)!.grad!, g.data, 1e-4, 1e-5, `${what} grad of ${k}`);
    }
    const buffers = new Map(m.namedBuffers());
    assert.deepEqual([...buffers.keys()].sort(), Object.keys(s.buffers).sort(), `${what}: buffer names`);
    for (const [k, b] of Object.entries(s.buffers)) assertClose(buffers.get(k)!, b.data, 1e-4, 1e-5, `${what} buffer ${k}`);
  });
  m.dispose();
}

/**
 * Finite-difference check of a module's gradients with respect to its inputs and every parameter
 * (parameters are substituted through functionalCall, so gradcheck can perturb them).
 */
export function gradcheckModule(m: AnyModule, inputs: Tensor[], opts?: GradcheckOptions): void {
  const named = m.namedParameters();
  const mod = m as unknown as Module<Tensor[], Tensor>;
  const fn = (...xs: Tensor[]): Tensor => {
    const params = Object.fromEntries(named.map(([k], i) => [k, xs[inputs.length + i]]));
    return functionalCall(mod, params, ...xs.slice(0, inputs.length));
  };
  gradcheck(fn, [...inputs, ...named.map(([, p]) => p.detach())], opts);
}
