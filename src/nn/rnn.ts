// Multi-layer recurrent layers over whole sequences (torch.nn.RNN, LSTM, GRU), with optional
// bidirectionality, dropout between layers and variable-length batches (the packed-sequence semantics).
import { tensor, zeros } from "../tensor/creation.js";
import { add, mul, sub } from "../tensor/ops/elementwise.js";
import { select } from "../tensor/ops/index-ops.js";
import { linear } from "../tensor/ops/linalg.js";
import { dropout } from "../tensor/ops/nn/dropout.js";
import { cat, stack, squeeze, transpose, unsqueeze } from "../tensor/ops/shape.js";
import type { Generator } from "../tensor/random.js";
import { fmtShape, shapeEquals, ShapeError } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { ConfigReader, registerLayer, type LayerConfig } from "./config.js";
import { uniform_ } from "./init.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";
import { elmanMode, gateCount, recurrentStep, type RecurrentMode } from "./rnn-cell.js";
import { checkInt, checkRange, emptyParameter, forwardScope } from "./util.js";

/** Options shared by RNN, LSTM and GRU (PyTorch's constructor arguments). */
export interface RecurrentOptions {
  /** Stacked recurrent layers (default 1); layer k > 0 reads layer k−1's output. */
  numLayers?: number;
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [batch, time, feature] instead of [time, batch, feature] (default false; states stay [layers·dirs, batch, hidden]). */
  batchFirst?: boolean;
  /** Dropout probability on each layer's output except the last, in training mode only (default 0). */
  dropout?: number;
  /** Also run each layer backwards in time and concatenate both directions' outputs (default false). */
  bidirectional?: boolean;
  /** Generator for the initial weights and the dropout masks (default: the global one). */
  generator?: Generator;
}

/** Options of RNN: RecurrentOptions plus the nonlinearity. */
export interface RNNOptions extends RecurrentOptions {
  /** "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
}

/**
 * Real lengths of the sequences of a padded batch: an int32 tensor [batch] or an array. Steps at or
 * past a sequence's length neither update its state nor produce output (the output there is zero),
 * and its final state is the one after its last real step — what pack_padded_sequence gives in
 * PyTorch. A length may be 0 (the state stays the initial one); none may exceed the sequence length.
 */
export type SequenceLengths = Tensor | readonly number[];

interface LayerParams {
  weightIh: string;
  weightHh: string;
  biasIh: string;
  biasHh: string;
}

/**
 * The shared machinery of RNN, LSTM and GRU. Parameters are named as PyTorch's in camelCase
 * (`weightIhL0`, `biasHhL1Reverse`, ...), registered in PyTorch's order, and all start as
 * U(−1/√hiddenSize, 1/√hiddenSize).
 */
export abstract class RecurrentBase<S> extends Module<[Tensor, (S | null)?, (SequenceLengths | null)?], [Tensor, S]> {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly #mode: RecurrentMode;
  readonly #names: LayerParams[][] = [];
  readonly #generator: Generator | undefined;

  constructor(mode: RecurrentMode, readonly inputSize: number, readonly hiddenSize: number, opts: RecurrentOptions) {
    super();
    const layer = this.constructor.name;
    checkInt(layer, "inputSize", inputSize);
    checkInt(layer, "hiddenSize", hiddenSize);
    this.numLayers = opts.numLayers ?? 1;
    checkInt(layer, "numLayers", this.numLayers);
    this.dropout = opts.dropout ?? 0;
    checkRange(layer, "dropout", this.dropout, 0, 1);
    this.bias = opts.bias ?? true;
    this.batchFirst = opts.batchFirst ?? false;
    this.bidirectional = opts.bidirectional ?? false;
    this.#mode = mode;
    this.#generator = opts.generator;
    const g = gateCount(mode) * hiddenSize;
    for (let l = 0; l < this.numLayers; l++) {
      const inSize = l === 0 ? inputSize : hiddenSize * this.numDirections;
      const dirs: LayerParams[] = [];
      for (let d = 0; d < this.numDirections; d++) {
        const sfx = `L${l}${d === 1 ? "Reverse" : ""}`;
        const names = { weightIh: `weightIh${sfx}`, weightHh: `weightHh${sfx}`, biasIh: `biasIh${sfx}`, biasHh: `biasHh${sfx}` };
        this.registerParameter(names.weightIh, emptyParameter([g, inSize]));
        this.registerParameter(names.weightHh, emptyParameter([g, hiddenSize]));
        if (this.bias) {
          this.registerParameter(names.biasIh, emptyParameter([g]));
          this.registerParameter(names.biasHh, emptyParameter([g]));
        }
        dirs.push(names);
      }
      this.#names.push(dirs);
    }
    this.resetParameters(opts.generator);
  }

  /** 2 when bidirectional, else 1. */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Re-draws every weight and bias from U(−1/√hiddenSize, 1/√hiddenSize). */
  resetParameters(generator?: Generator): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters(false)) uniform_(p, -k, k, generator);
  }

  // read by name at every call so that functionalCall's substitutions are seen
  #param(name: string): Parameter | null {
    return this.bias || !name.startsWith("bias") ? (this as unknown as Record<string, Parameter>)[name] : null;
  }

  protected label(): string {
    return `${this.constructor.name}(${this.inputSize}→${this.hiddenSize}, numLayers=${this.numLayers}${this.bidirectional ? ", bidirectional" : ""})`;
  }

  /**
   * Runs the layers. `initial` holds the given initial states ([h0] or [h0, c0], each
   * [layers·dirs, B, H] or [layers·dirs, H] unbatched; null → zeros). Returns the output and the
   * final states in the same layout.
   */
  protected run(input: Tensor, initial: readonly (Tensor | null)[], lengths: SequenceLengths | null | undefined): [Tensor, Tensor[]] {
    const label = this.label();
    if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[input.ndim - 1] !== this.inputSize) {
      const layout = this.batchFirst ? "[batch, time" : "[time, batch";
      throw new ShapeError(label, `input must be ${layout}, ${this.inputSize}] or [time, ${this.inputSize}], got ${fmtShape(input.shape)}`);
    }
    const batched = input.ndim === 3;
    const steps = input.shape[batched && this.batchFirst ? 1 : 0];
    const batch = batched ? input.shape[this.batchFirst ? 0 : 1] : 1;
    const ld = this.numLayers * this.numDirections;
    const stateShape = batched ? [ld, batch, this.hiddenSize] : [ld, this.hiddenSize];
    const stateNames = ["h0", "c0"];
    initial.forEach((s, i) => {
      if (s && !shapeEquals(s.shape, stateShape)) throw new ShapeError(label, `${stateNames[i]} must be ${fmtShape(stateShape)} for input ${fmtShape(input.shape)}, got ${fmtShape(s.shape)}`);
    });
    const lens = lengths === null || lengths === undefined ? null : readLengths(label, lengths, batch, steps);
    const params = this.parameters(false);
    return forwardScope([input, ...initial, ...params], () => {
      // time-major [T, B, I] inside
      let x = batched ? (this.batchFirst ? transpose(input, 0, 1) : input) : unsqueeze(input, 1);
      const init = initial.map((s) => (s && !batched ? unsqueeze(s, 1) : s));
      const mask = lens ? stepMask(lens, steps, input.device) : null;
      const finals: Tensor[][] = initial.map(() => []);
      for (let l = 0; l < this.numLayers; l++) {
        const outs: Tensor[] = [];
        for (let d = 0; d < this.numDirections; d++) {
          const n = this.#names[l][d];
          const idx = l * this.numDirections + d;
          let state = init.map((s) => (s ? select(s, 0, idx) : zeros([batch, this.hiddenSize], { device: input.device })));
          // all steps' input projections in one GEMM; only the hidden projection is sequential
          const xProj = linear(x, this.#param(n.weightIh)!, this.#param(n.biasIh));
          const stepOut: Tensor[] = new Array<Tensor>(steps);
          for (let s = 0; s < steps; s++) {
            const t = d === 0 ? s : steps - 1 - s;
            const next = recurrentStep(this.#mode, select(xProj, 0, t), state, this.#param(n.weightHh)!, this.#param(n.biasHh));
            if (mask) {
              // padded steps keep the old state (so the reverse direction starts at each sequence's end) and output zeros
              const m = select(mask, 0, t);
              const old = state;
              state = next.map((h, i) => add(old[i], mul(m, sub(h, old[i]))));
              stepOut[t] = mul(next[0], m);
            } else {
              state = next;
              stepOut[t] = next[0];
            }
          }
          outs.push(stack(stepOut, 0));
          state.forEach((s, i) => finals[i].push(s));
        }
        x = outs.length === 1 ? outs[0] : cat(outs, 2);
        if (this.dropout > 0 && this.training && l < this.numLayers - 1) x = dropout(x, this.dropout, true, this.#generator);
      }
      const output = batched ? (this.batchFirst ? transpose(x, 0, 1) : x) : squeeze(x, 1);
      const states = finals.map((f) => (batched ? stack(f, 0) : stack(f.map((s) => squeeze(s, 0)), 0)));
      return [output, states];
    });
  }

  protected baseConfig(): LayerConfig {
    return {
      type: this.constructor.name, inputSize: this.inputSize, hiddenSize: this.hiddenSize, numLayers: this.numLayers, bias: this.bias,
      batchFirst: this.batchFirst, dropout: this.dropout, bidirectional: this.bidirectional,
    };
  }
}

function readLengths(label: string, lengths: SequenceLengths, batch: number, steps: number): number[] {
  let lens: number[];
  if (lengths instanceof Tensor) {
    if (lengths.dtype !== "int32" || lengths.ndim !== 1) throw new ShapeError(label, `lengths must be an int32 tensor [batch], got ${lengths.dtype} ${fmtShape(lengths.shape)}`);
    lens = [...lengths.dataSync()];
  } else lens = [...lengths];
  if (lens.length !== batch) throw new ShapeError(label, `lengths has ${lens.length} entries, expected one per sequence (batch ${batch})`);
  for (const n of lens) {
    if (!Number.isInteger(n) || n < 0 || n > steps) throw new ShapeError(label, `lengths must be integers in [0, ${steps}] (the sequence length), got ${n}`);
  }
  return lens;
}

/** [T, B, 1] float mask: 1 where step t is a real step of sequence b. */
function stepMask(lens: readonly number[], steps: number, device: Tensor["device"]): Tensor {
  const b = lens.length;
  const m = new Float32Array(steps * b);
  for (let t = 0; t < steps; t++) for (let i = 0; i < b; i++) m[t * b + i] = t < lens[i] ? 1 : 0;
  return tensor(m, { shape: [steps, b, 1], device });
}

/**
 * A multi-layer Elman RNN: h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh), act tanh or ReLU.
 * forward(x [T, B, I] ([B, T, I] with batchFirst) or [T, I], h0? [L·D, B, H], lengths?) →
 * [output [T, B, D·H], hN [L·D, B, H]].
 */
export class RNN extends RecurrentBase<Tensor> {
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    const nl = opts.nonlinearity ?? "tanh";
    super(elmanMode("RNN", nl), inputSize, hiddenSize, opts);
    this.nonlinearity = nl;
  }

  override forward(x: Tensor, h0: Tensor | null = null, lengths: SequenceLengths | null = null): [Tensor, Tensor] {
    const [out, [h]] = this.run(x, [h0], lengths);
    return [out, h];
  }

  override getConfig(): LayerConfig {
    return { ...this.baseConfig(), nonlinearity: this.nonlinearity };
  }
}

/**
 * A multi-layer LSTM (gates i, f, g, o, as PyTorch). forward(x, [h0, c0]?, lengths?) →
 * [output [T, B, D·H], [hN, cN]], states [L·D, B, H].
 */
export class LSTM extends RecurrentBase<[Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}) {
    super("LSTM", inputSize, hiddenSize, opts);
  }

  override forward(x: Tensor, hx: [Tensor, Tensor] | null = null, lengths: SequenceLengths | null = null): [Tensor, [Tensor, Tensor]] {
    const [out, [h, c]] = this.run(x, hx ? [hx[0], hx[1]] : [null, null], lengths);
    return [out, [h, c]];
  }

  override getConfig(): LayerConfig {
    return this.baseConfig();
  }
}

/** A multi-layer GRU (gates r, z, n, PyTorch's variant). forward(x, h0?, lengths?) → [output, hN]. */
export class GRU extends RecurrentBase<Tensor> {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}) {
    super("GRU", inputSize, hiddenSize, opts);
  }

  override forward(x: Tensor, h0: Tensor | null = null, lengths: SequenceLengths | null = null): [Tensor, Tensor] {
    const [out, [h]] = this.run(x, [h0], lengths);
    return [out, h];
  }

  override getConfig(): LayerConfig {
    return this.baseConfig();
  }
}

function recurrentOptions(r: ConfigReader): RecurrentOptions {
  return {
    numLayers: r.int("numLayers", 1), bias: r.bool("bias", true), batchFirst: r.bool("batchFirst", false),
    dropout: r.number("dropout", 0), bidirectional: r.bool("bidirectional", false),
  };
}

registerLayer("RNN", (c) => {
  const r = new ConfigReader(c);
  return new RNN(r.int("inputSize"), r.int("hiddenSize"), { ...recurrentOptions(r), nonlinearity: r.oneOf("nonlinearity", ["tanh", "relu"] as const, "tanh") });
});
registerLayer("LSTM", (c) => {
  const r = new ConfigReader(c);
  return new LSTM(r.int("inputSize"), r.int("hiddenSize"), recurrentOptions(r));
});
registerLayer("GRU", (c) => {
  const r = new ConfigReader(c);
  return new GRU(r.int("inputSize"), r.int("hiddenSize"), recurrentOptions(r));
});
