// Convolution layers over the engine's conv ops (im2col + GEMM).
import { conv1d, conv2d, convTranspose1d, convTranspose2d } from "../tensor/ops/nn/conv.js";
import type { Generator } from "../tensor/random.js";
import { fmtShape, ShapeError } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ConfigReader, registerLayer, type LayerConfig } from "./config.js";
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from "./init.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";
import { checkInt, emptyParameter, toPair } from "./util.js";

type Pair = number | readonly [number, number];
type ConvPadding<P> = P | "same" | "valid";

interface ConvCommon {
  groups?: number;
  /** Learn a per-channel bias (default true). */
  bias?: boolean;
  /** Generator for the initial weights (default: the global one). */
  generator?: Generator;
}

/** Options of the Conv2d layer (the functional conv2d's options plus bias and generator). */
export interface Conv2dLayerOptions extends ConvCommon {
  stride?: Pair;
  /** Zero padding per side, or "same" (stride 1) / "valid" (none). */
  padding?: ConvPadding<Pair>;
  dilation?: Pair;
}

/** Options of the Conv1d layer. */
export interface Conv1dLayerOptions extends ConvCommon {
  stride?: number;
  padding?: ConvPadding<number>;
  dilation?: number;
}

/** Options of the ConvTranspose2d layer. */
export interface ConvTranspose2dLayerOptions extends ConvCommon {
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  dilation?: Pair;
}

/** Options of the ConvTranspose1d layer. */
export interface ConvTranspose1dLayerOptions extends ConvCommon {
  stride?: number;
  padding?: number;
  outputPadding?: number;
  dilation?: number;
}

/** Weight, bias and the argument checks every conv layer shares; subclasses add geometry and forward. */
abstract class ConvBase extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly groups: number;

  constructor(
    protected readonly layer: string,
    readonly inChannels: number,
    readonly outChannels: number,
    kernel: readonly number[],
    transposed: boolean,
    opts: ConvCommon,
  ) {
    super();
    checkInt(layer, "inChannels", inChannels);
    checkInt(layer, "outChannels", outChannels);
    this.groups = opts.groups ?? 1;
    checkInt(layer, "groups", this.groups);
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new Error(`${layer}: groups=${this.groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
    }
    const shape = transposed ? [inChannels, outChannels / this.groups, ...kernel] : [outChannels, inChannels / this.groups, ...kernel];
    this.weight = emptyParameter(shape);
    this.bias = (opts.bias ?? true) ? emptyParameter([outChannels]) : null;
    this.resetParameters(opts.generator);
  }

  /** Re-draws PyTorch's default initialisation: weight U(−1/√fanIn, 1/√fanIn) (kaimingUniform_, a = √5), bias likewise. */
  resetParameters(generator?: Generator): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5), generator });
    if (this.bias) {
      const bound = 1 / Math.sqrt(calculateFanInAndFanOut(this.weight).fanIn);
      uniform_(this.bias, -bound, bound, generator);
    }
  }

  protected abstract label(): string;

  /** Checks rank and channel count: `Conv2d(3→8, kernelSize=[3,3]): input [2,4,5,5] has 4 channels, expected 3`. */
  protected checkInput(x: Tensor, spatial: number): void {
    const dims = spatial === 2 ? "H, W" : "L";
    if (x.ndim !== spatial + 2 && x.ndim !== spatial + 1) {
      throw new ShapeError(this.label(), `expects input [N, C, ${dims}] or [C, ${dims}], got ${fmtShape(x.shape)}`);
    }
    const c = x.shape[x.ndim - spatial - 1];
    if (c !== this.inChannels) throw new ShapeError(this.label(), `input ${fmtShape(x.shape)} has ${c} channels, expected ${this.inChannels}`);
  }
}

function checkSame(layer: string, padding: unknown, stride: readonly number[]): void {
  if (padding === "same" && stride.some((s) => s !== 1)) throw new Error(`${layer}: padding="same" needs stride 1, got stride [${stride.join(",")}]`);
}

/** 2-D convolution: x [N, inChannels, H, W] (or unbatched) → [N, outChannels, H', W']; weight [out, in/groups, kh, kw]. */
export class Conv2d extends ConvBase {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | "same" | "valid";
  readonly dilation: [number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, opts: Conv2dLayerOptions = {}) {
    const k = toPair("Conv2d", "kernelSize", kernelSize);
    super("Conv2d", inChannels, outChannels, k, false, opts);
    this.kernelSize = k;
    this.stride = toPair("Conv2d", "stride", opts.stride ?? 1);
    const p = opts.padding ?? 0;
    this.padding = p === "same" || p === "valid" ? p : toPair("Conv2d", "padding", p, 0);
    this.dilation = toPair("Conv2d", "dilation", opts.dilation ?? 1);
    checkSame("Conv2d", this.padding, this.stride);
  }

  protected label(): string {
    return `Conv2d(${this.inChannels}→${this.outChannels}, kernelSize=${fmtShape(this.kernelSize)})`;
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x, 2);
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  override getConfig(): LayerConfig {
    return {
      type: "Conv2d", inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: [...this.kernelSize],
      stride: [...this.stride], padding: typeof this.padding === "string" ? this.padding : [...this.padding],
      dilation: [...this.dilation], groups: this.groups, bias: this.bias !== null,
    };
  }
}

/** 1-D convolution: x [N, inChannels, L] (or unbatched) → [N, outChannels, L']; weight [out, in/groups, k]. */
export class Conv1d extends ConvBase {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | "same" | "valid";
  readonly dilation: number;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: Conv1dLayerOptions = {}) {
    checkInt("Conv1d", "kernelSize", kernelSize);
    super("Conv1d", inChannels, outChannels, [kernelSize], false, opts);
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? 1;
    this.dilation = opts.dilation ?? 1;
    checkInt("Conv1d", "stride", this.stride);
    checkInt("Conv1d", "dilation", this.dilation);
    const p = opts.padding ?? 0;
    if (p !== "same" && p !== "valid") checkInt("Conv1d", "padding", p, 0);
    this.padding = p;
    checkSame("Conv1d", this.padding, [this.stride]);
  }

  protected label(): string {
    return `Conv1d(${this.inChannels}→${this.outChannels}, kernelSize=${this.kernelSize})`;
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x, 1);
    return conv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  override getConfig(): LayerConfig {
    return {
      type: "Conv1d", inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: this.kernelSize,
      stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups, bias: this.bias !== null,
    };
  }
}

/**
 * Transposed 2-D convolution (the adjoint of Conv2d, "deconvolution"): x [N, in, H, W] → [N, out,
 * (H−1)·stride − 2·padding + dilation·(kh−1) + outputPadding + 1, ...]; weight [in, out/groups, kh, kw].
 */
export class ConvTranspose2d extends ConvBase {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, opts: ConvTranspose2dLayerOptions = {}) {
    const k = toPair("ConvTranspose2d", "kernelSize", kernelSize);
    super("ConvTranspose2d", inChannels, outChannels, k, true, opts);
    this.kernelSize = k;
    this.stride = toPair("ConvTranspose2d", "stride", opts.stride ?? 1);
    this.padding = toPair("ConvTranspose2d", "padding", opts.padding ?? 0, 0);
    this.outputPadding = toPair("ConvTranspose2d", "outputPadding", opts.outputPadding ?? 0, 0);
    this.dilation = toPair("ConvTranspose2d", "dilation", opts.dilation ?? 1);
  }

  protected label(): string {
    return `ConvTranspose2d(${this.inChannels}→${this.outChannels}, kernelSize=${fmtShape(this.kernelSize)})`;
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x, 2);
    const opts = { stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups };
    return convTranspose2d(x, this.weight, this.bias, opts);
  }

  override getConfig(): LayerConfig {
    return {
      type: "ConvTranspose2d", inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: [...this.kernelSize],
      stride: [...this.stride], padding: [...this.padding], outputPadding: [...this.outputPadding],
      dilation: [...this.dilation], groups: this.groups, bias: this.bias !== null,
    };
  }
}

/** Transposed 1-D convolution: x [N, in, L] → [N, out, L']; weight [in, out/groups, k]. */
export class ConvTranspose1d extends ConvBase {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  readonly dilation: number;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: ConvTranspose1dLayerOptions = {}) {
    checkInt("ConvTranspose1d", "kernelSize", kernelSize);
    super("ConvTranspose1d", inChannels, outChannels, [kernelSize], true, opts);
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.outputPadding = opts.outputPadding ?? 0;
    this.dilation = opts.dilation ?? 1;
    checkInt("ConvTranspose1d", "stride", this.stride);
    checkInt("ConvTranspose1d", "padding", this.padding, 0);
    checkInt("ConvTranspose1d", "outputPadding", this.outputPadding, 0);
    checkInt("ConvTranspose1d", "dilation", this.dilation);
  }

  protected label(): string {
    return `ConvTranspose1d(${this.inChannels}→${this.outChannels}, kernelSize=${this.kernelSize})`;
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x, 1);
    const opts = { stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups };
    return convTranspose1d(x, this.weight, this.bias, opts);
  }

  override getConfig(): LayerConfig {
    return {
      type: "ConvTranspose1d", inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: this.kernelSize,
      stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation,
      groups: this.groups, bias: this.bias !== null,
    };
  }
}

function paddingFromConfig(r: ConfigReader): number | [number, number] | "same" | "valid" {
  const p = r.config.padding;
  return p === "same" || p === "valid" ? p : r.intOrPair("padding", 0);
}

registerLayer("Conv2d", (c) => {
  const r = new ConfigReader(c);
  return new Conv2d(r.int("inChannels"), r.int("outChannels"), r.intOrPair("kernelSize"), {
    stride: r.intOrPair("stride", 1), padding: paddingFromConfig(r), dilation: r.intOrPair("dilation", 1), groups: r.int("groups", 1), bias: r.bool("bias", true),
  });
});

registerLayer("Conv1d", (c) => {
  const r = new ConfigReader(c);
  const p = c.padding === "same" || c.padding === "valid" ? c.padding : r.int("padding", 0);
  return new Conv1d(r.int("inChannels"), r.int("outChannels"), r.int("kernelSize"), {
    stride: r.int("stride", 1), padding: p, dilation: r.int("dilation", 1), groups: r.int("groups", 1), bias: r.bool("bias", true),
  });
});

registerLayer("ConvTranspose2d", (c) => {
  const r = new ConfigReader(c);
  return new ConvTranspose2d(r.int("inChannels"), r.int("outChannels"), r.intOrPair("kernelSize"), {
    stride: r.intOrPair("stride", 1), padding: r.intOrPair("padding", 0), outputPadding: r.intOrPair("outputPadding", 0),
    dilation: r.intOrPair("dilation", 1), groups: r.int("groups", 1), bias: r.bool("bias", true),
  });
});

registerLayer("ConvTranspose1d", (c) => {
  const r = new ConfigReader(c);
  return new ConvTranspose1d(r.int("inChannels"), r.int("outChannels"), r.int("kernelSize"), {
    stride: r.int("stride", 1), padding: r.int("padding", 0), outputPadding: r.int("outputPadding", 0),
    dilation: r.int("dilation", 1), groups: r.int("groups", 1), bias: r.bool("bias", true),
  });
});
