// Pooling layers: thin modules over the engine's pooling ops, holding their geometry.
import { adaptiveAvgPool1d, adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d } from "../tensor/ops/nn/pool.js";
import type { Tensor } from "../tensor/tensor.js";
import { ConfigReader, registerLayer, type LayerConfig } from "./config.js";
import { Module } from "./module.js";
import { checkInt, toPair } from "./util.js";

type Pair = number | readonly [number, number];

/** Options of MaxPool2d (stride defaults to the kernel size). */
export interface MaxPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  /** Round the output size up instead of down. */
  ceilMode?: boolean;
}

/** Options of MaxPool1d (stride defaults to the kernel size). */
export interface MaxPool1dOptions {
  stride?: number | null;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
}

/** Options of AvgPool2d (stride defaults to the kernel size). */
export interface AvgPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  /** Count zero padding in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

/** Options of AvgPool1d (stride defaults to the kernel size). */
export interface AvgPool1dOptions {
  stride?: number | null;
  padding?: number;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/** 2-D max pooling of x [N, C, H, W] (or [C, H, W]). */
export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly ceilMode: boolean;

  constructor(kernelSize: Pair, opts: MaxPool2dOptions = {}) {
    super();
    this.kernelSize = toPair("MaxPool2d", "kernelSize", kernelSize);
    this.stride = opts.stride === undefined || opts.stride === null ? this.kernelSize : toPair("MaxPool2d", "stride", opts.stride);
    this.padding = toPair("MaxPool2d", "padding", opts.padding ?? 0, 0);
    this.dilation = toPair("MaxPool2d", "dilation", opts.dilation ?? 1);
    this.ceilMode = opts.ceilMode ?? false;
  }

  override forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.stride, this.padding, this.dilation, this.ceilMode);
  }

  override getConfig(): LayerConfig {
    return { type: "MaxPool2d", kernelSize: [...this.kernelSize], stride: [...this.stride], padding: [...this.padding], dilation: [...this.dilation], ceilMode: this.ceilMode };
  }
}

/** 1-D max pooling of x [N, C, L] (or [C, L]). */
export class MaxPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly ceilMode: boolean;

  constructor(kernelSize: number, opts: MaxPool1dOptions = {}) {
    super();
    checkInt("MaxPool1d", "kernelSize", kernelSize);
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.ceilMode = opts.ceilMode ?? false;
    checkInt("MaxPool1d", "stride", this.stride);
    checkInt("MaxPool1d", "padding", this.padding, 0);
    checkInt("MaxPool1d", "dilation", this.dilation);
  }

  override forward(x: Tensor): Tensor {
    return maxPool1d(x, this.kernelSize, this.stride, this.padding, this.dilation, this.ceilMode);
  }

  override getConfig(): LayerConfig {
    return { type: "MaxPool1d", kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }
}

/** 2-D average pooling of x [N, C, H, W] (or [C, H, W]). */
export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: Pair, opts: AvgPool2dOptions = {}) {
    super();
    this.kernelSize = toPair("AvgPool2d", "kernelSize", kernelSize);
    this.stride = opts.stride === undefined || opts.stride === null ? this.kernelSize : toPair("AvgPool2d", "stride", opts.stride);
    this.padding = toPair("AvgPool2d", "padding", opts.padding ?? 0, 0);
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
  }

  override forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.stride, this.padding, this.ceilMode, this.countIncludePad);
  }

  override getConfig(): LayerConfig {
    return {
      type: "AvgPool2d", kernelSize: [...this.kernelSize], stride: [...this.stride], padding: [...this.padding],
      ceilMode: this.ceilMode, countIncludePad: this.countIncludePad,
    };
  }
}

/** 1-D average pooling of x [N, C, L] (or [C, L]). */
export class AvgPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: number, opts: AvgPool1dOptions = {}) {
    super();
    checkInt("AvgPool1d", "kernelSize", kernelSize);
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
    checkInt("AvgPool1d", "stride", this.stride);
    checkInt("AvgPool1d", "padding", this.padding, 0);
  }

  override forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, this.stride, this.padding, this.ceilMode, this.countIncludePad);
  }

  override getConfig(): LayerConfig {
    return { type: "AvgPool1d", kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad };
  }
}

/** Average pooling of x [N, C, H, W] to a fixed `outputSize` (a number, or [h, w] where null keeps that input size). */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number | null, number | null];

  constructor(outputSize: number | readonly [number | null, number | null]) {
    super();
    const o: [number | null, number | null] = typeof outputSize === "number" ? [outputSize, outputSize] : [outputSize[0], outputSize[1]];
    for (const v of o) if (v !== null) checkInt("AdaptiveAvgPool2d", "outputSize", v);
    this.outputSize = o;
  }

  override forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override getConfig(): LayerConfig {
    return { type: "AdaptiveAvgPool2d", outputSize: [...this.outputSize] };
  }
}

/** Average pooling of x [N, C, L] to a fixed length `outputSize`. */
export class AdaptiveAvgPool1d extends Module {
  constructor(readonly outputSize: number) {
    super();
    checkInt("AdaptiveAvgPool1d", "outputSize", outputSize);
  }

  override forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }

  override getConfig(): LayerConfig {
    return { type: "AdaptiveAvgPool1d", outputSize: this.outputSize };
  }
}

registerLayer("MaxPool2d", (c) => {
  const r = new ConfigReader(c);
  const k = r.intOrPair("kernelSize");
  return new MaxPool2d(k, { stride: r.intOrPair("stride", k), padding: r.intOrPair("padding", 0), dilation: r.intOrPair("dilation", 1), ceilMode: r.bool("ceilMode", false) });
});

registerLayer("MaxPool1d", (c) => {
  const r = new ConfigReader(c);
  const k = r.int("kernelSize");
  return new MaxPool1d(k, { stride: r.int("stride", k), padding: r.int("padding", 0), dilation: r.int("dilation", 1), ceilMode: r.bool("ceilMode", false) });
});

registerLayer("AvgPool2d", (c) => {
  const r = new ConfigReader(c);
  const k = r.intOrPair("kernelSize");
  return new AvgPool2d(k, { stride: r.intOrPair("stride", k), padding: r.intOrPair("padding", 0), ceilMode: r.bool("ceilMode", false), countIncludePad: r.bool("countIncludePad", true) });
});

registerLayer("AvgPool1d", (c) => {
  const r = new ConfigReader(c);
  const k = r.int("kernelSize");
  return new AvgPool1d(k, { stride: r.int("stride", k), padding: r.int("padding", 0), ceilMode: r.bool("ceilMode", false), countIncludePad: r.bool("countIncludePad", true) });
});

registerLayer("AdaptiveAvgPool2d", (c) => {
  const v = c.outputSize;
  const ok = Array.isArray(v) && v.length === 2 && v.every((x) => x === null || Number.isInteger(x));
  if (!ok) return new AdaptiveAvgPool2d(new ConfigReader(c).int("outputSize"));
  return new AdaptiveAvgPool2d([v[0] as number | null, v[1] as number | null]);
});

registerLayer("AdaptiveAvgPool1d", (c) => new AdaptiveAvgPool1d(new ConfigReader(c).int("outputSize")));
