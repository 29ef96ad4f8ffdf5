// Shared by the sequence-layer tests (rnn, attention, transformer): decoding the PyTorch fixtures in
// nn-seq.json and replaying a case (outputs and the gradients of Σ output_i · upstream_i).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { noGrad, tensor, type Tensor } from "../../src/index.js";
import { functionalCall, moduleFromConfig, type AnyModule, type LayerConfig, type Module } from "../../src/nn/index.js";
import { assertClose, gradcheck, type GradcheckOptions } from "../helpers/gradcheck.js";

export interface SeqEnc {
  shape: number[];
  dtype: "float32" | "int32" | "bool";
  data: number[];
}

export interface SeqCase {
  config: LayerConfig;
  state: Record<string, SeqEnc>;
  inputs: Record<string, SeqEnc>;
  outputs: SeqEnc[];
  upstream: SeqEnc[];
  inputGrads: Record<string, SeqEnc>;
  paramGrads: Record<string, SeqEnc>;
  /** Masks and lengths the case used, by name. */
  [extra: string]: unknown;
}

type Group = "rnn" | "mha" | "transformer";

const fixtures = JSON.parse(readFileSync(new URL("../fixtures/nn-seq.json", import.meta.url), "utf8")) as Record<Group, Record<string, SeqCase>>;

export function decode(e: SeqEnc): Tensor {
  const data = e.dtype === "float32" ? Float32Array.from(e.data) : e.dtype === "int32" ? Int32Array.from(e.data) : Uint8Array.from(e.data);
  return tensor(data, { shape: e.shape, dtype: e.dtype });
}

/** A recorded mask or lengths tensor of the case. */
export function extra(c: SeqCase, name: string): Tensor {
  const e = c[name] as SeqEnc | undefined;
  assert.ok(e, `fixture has no ${name}`);
  return decode(e);
}

/**
 * Builds the case's layer from its config, loads its state, runs `forward` on the recorded inputs
 * (float ones requiring grad) and compares the outputs and all gradients with PyTorch's.
 */
export function runSeqCase(
  group: Group, name: string, mode: "train" | "eval",
  forward: (m: AnyModule, xs: Record<string, Tensor>, c: SeqCase) => Tensor[],
  rtol = 1e-4, atol = 2e-5,
): void {
  const c = fixtures[group][name];
  assert.ok(c, `no fixture ${group}.${name}`);
  const m = moduleFromConfig(c.config);
  assert.deepEqual(m.getConfig(), c.config, `${name}: config`);
  assert.deepEqual(Object.keys(m.stateDict()), Object.keys(c.state), `${name}: state keys in PyTorch's order`);
  m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, e]) => [k, decode(e)])));
  m.train(mode === "train");
  const xs = Object.fromEntries(Object.entries(c.inputs).map(([k, e]) => [k, e.dtype === "float32" ? decode(e).requiresGrad_() : decode(e)]));
  const outs = forward(m, xs, c);
  assert.equal(outs.length, c.outputs.length, `${name}: number of outputs`);
  outs.forEach((y, i) => {
    assert.deepEqual([...y.shape], c.outputs[i].shape, `${name}: output ${i} shape`);
    assertClose(y, c.outputs[i].data, rtol, atol, `${name} output ${i}`);
  });
  outs.map((y, i) => y.mul(decode(c.upstream[i])).sum()).reduce((a, b) => a.add(b)).backward();
  for (const [k, g] of Object.entries(c.inputGrads)) assertClose(xs[k].grad!, g.data, rtol, atol, `${name} grad of input ${k}`);
  const params = new Map(m.namedParameters());
  assert.deepEqual([...params.keys()].sort(), Object.keys(c.paramGrads).sort(), `${name}: parameter names`);
  for (const [k, g] of Object.entries(c.paramGrads)) assertClose(params.get(k)!.grad!, g.data, rtol, atol, `${name} grad of ${k}`);
  m.dispose();
}

/**
 * Finite-difference check of a module with respect to `inputs` and every parameter: `args` turns the
 * (perturbed) inputs into forward's arguments and `join` its result into one tensor.
 */
export function gradcheckModuleWith<I extends unknown[], O>(
  m: Module<I, O>, inputs: Tensor[], args: (xs: Tensor[]) => I, join: (out: O) => Tensor, opts?: GradcheckOptions,
): void {
  const named = m.namedParameters();
  const fn = (...xs: Tensor[]): Tensor => {
    const params = Object.fromEntries(named.map(([k], i) => [k, xs[inputs.length + i]]));
    return join(functionalCall(m, params, ...args(xs.slice(0, inputs.length))));
  };
  gradcheck(fn, [...inputs, ...named.map(([, p]) => p.detach())], opts);
}

/** build → getConfig → JSON → moduleFromConfig → loadStateDict must give the same class, config and (eval) outputs. */
export function assertConfigRoundTrip(orig: AnyModule, run: (m: AnyModule) => Tensor): void {
  const config = orig.getConfig();
  const copy = moduleFromConfig(JSON.parse(JSON.stringify(config)) as LayerConfig);
  assert.equal(copy.constructor, orig.constructor);
  assert.deepEqual(copy.getConfig(), config);
  copy.loadStateDict(orig.stateDict());
  orig.eval();
  copy.eval();
  noGrad(() => assertClose(run(copy), run(orig), 0, 0, config.type));
}
