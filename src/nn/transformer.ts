// Transformer blocks (torch.nn.TransformerEncoderLayer / DecoderLayer) and their stacks
// (TransformerEncoder / TransformerDecoder), post-norm (the original) or pre-norm (normFirst).
import { add, gelu, relu } from "../tensor/ops/elementwise.js";
import { fmtShape, ShapeError } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { MultiheadAttention } from "./attention.js";
import { ConfigReader, moduleFromConfig, registerLayer, type LayerConfig } from "./config.js";
import { ModuleList } from "./containers.js";
import { Dropout } from "./dropout.js";
import { Linear } from "./linear.js";
import { Module, type AnyModule } from "./module.js";
import { LayerNorm } from "./norm.js";
import { checkInt, forwardScope } from "./util.js";

/** The feed-forward activation of the transformer layers. */
export type TransformerActivation = "relu" | "gelu";

/** Constructor options of TransformerEncoderLayer and TransformerDecoderLayer (PyTorch's defaults). */
export interface TransformerLayerOptions {
  /** Hidden size of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block, and on attention weights (default 0.1). */
  dropout?: number;
  /** "relu" (default) or "gelu" (exact). */
  activation?: TransformerActivation;
  /** LayerNorm eps (default 1e-5). */
  layerNormEps?: number;
  /** Inputs are [batch, seq, dModel] instead of [seq, batch, dModel] (default false). */
  batchFirst?: boolean;
  /** Pre-norm: normalise before each sub-block instead of after the residual add (default false). */
  normFirst?: boolean;
}

/** Masks of an encoder layer call (PyTorch's convention: bool true = masked out). */
export interface TransformerEncoderLayerForwardOptions {
  /** [seq, seq] or [batch·nhead, seq, seq] attention mask. */
  srcMask?: Tensor | null;
  /** [batch, seq]: true at padding positions. */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention (instead of srcMask). */
  isCausal?: boolean;
}

/** Masks of a decoder layer (or decoder stack) call (bool true = masked out). */
export interface TransformerDecoderForwardOptions {
  /** [tgtLen, tgtLen] self-attention mask (a causal one for autoregressive decoding). */
  tgtMask?: Tensor | null;
  /** [tgtLen, srcLen] cross-attention mask. */
  memoryMask?: Tensor | null;
  /** [batch, tgtLen]: true at target padding. */
  tgtKeyPaddingMask?: Tensor | null;
  /** [batch, srcLen]: true at memory padding. */
  memoryKeyPaddingMask?: Tensor | null;
  /** Causal self-attention (instead of tgtMask). */
  tgtIsCausal?: boolean;
  /** Causal cross-attention (instead of memoryMask). */
  memoryIsCausal?: boolean;
}

interface ResolvedLayerOptions {
  dimFeedforward: number;
  dropout: number;
  activation: TransformerActivation;
  layerNormEps: number;
  batchFirst: boolean;
  normFirst: boolean;
}

function resolve(layer: string, dModel: number, nhead: number, o: TransformerLayerOptions): ResolvedLayerOptions {
  checkInt(layer, "dModel", dModel);
  checkInt(layer, "nhead", nhead);
  const r = {
    dimFeedforward: o.dimFeedforward ?? 2048, dropout: o.dropout ?? 0.1, activation: o.activation ?? "relu",
    layerNormEps: o.layerNormEps ?? 1e-5, batchFirst: o.batchFirst ?? false, normFirst: o.normFirst ?? false,
  };
  checkInt(layer, "dimFeedforward", r.dimFeedforward);
  if (r.activation !== "relu" && r.activation !== "gelu") throw new Error(`${layer}: activation must be "relu" or "gelu", got ${JSON.stringify(r.activation)}`);
  return r;
}

function checkInput(label: string, name: string, x: Tensor, dModel: number): void {
  if (x.ndim < 2 || x.ndim > 3 || x.shape[x.ndim - 1] !== dModel) throw new ShapeError(label, `${name} must be [seq, batch, ${dModel}], [batch, seq, ${dModel}] (batchFirst) or [seq, ${dModel}], got ${fmtShape(x.shape)}`);
}

/** The parts both layer kinds share: the feed-forward block and its options. */
abstract class TransformerLayerBase<I extends unknown[]> extends Module<I, Tensor> {
  readonly nhead: number;
  readonly dimFeedforward: number;
  readonly activation: TransformerActivation;
  readonly layerNormEps: number;
  readonly batchFirst: boolean;
  readonly normFirst: boolean;

  constructor(readonly dModel: number, nhead: number, o: ResolvedLayerOptions) {
    super();
    this.nhead = nhead;
    this.dimFeedforward = o.dimFeedforward;
    this.activation = o.activation;
    this.layerNormEps = o.layerNormEps;
    this.batchFirst = o.batchFirst;
    this.normFirst = o.normFirst;
  }

  protected label(): string {
    return `${this.constructor.name}(dModel=${this.dModel}, nhead=${this.nhead})`;
  }

  protected feedForward(x: Tensor, linear1: Linear, dropout: Dropout, linear2: Linear, dropoutOut: Dropout): Tensor {
    const h = linear1.forward(x);
    return dropoutOut.forward(linear2.forward(dropout.forward(this.activation === "gelu" ? gelu(h) : relu(h))));
  }

  protected layerConfig(p: number): LayerConfig {
    return {
      type: this.constructor.name, dModel: this.dModel, nhead: this.nhead, dimFeedforward: this.dimFeedforward, dropout: p,
      activation: this.activation, layerNormEps: this.layerNormEps, batchFirst: this.batchFirst, normFirst: this.normFirst,
    };
  }
}

/**
 * Self-attention then a feed-forward block, each with a residual connection and LayerNorm (after the
 * add, or before the block with normFirst). forward(src, masks?) → same shape as src. Submodules and
 * state keys as PyTorch: selfAttn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2.
 */
export class TransformerEncoderLayer extends TransformerLayerBase<[Tensor, TransformerEncoderLayerForwardOptions?]> {
  selfAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;

  constructor(dModel: number, nhead: number, opts: TransformerLayerOptions = {}) {
    const o = resolve("TransformerEncoderLayer", dModel, nhead, opts);
    super(dModel, nhead, o);
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout: o.dropout, batchFirst: o.batchFirst });
    this.linear1 = new Linear(dModel, o.dimFeedforward);
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel);
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
  }

  override forward(src: Tensor, opts: TransformerEncoderLayerForwardOptions = {}): Tensor {
    checkInput(this.label(), "src", src, this.dModel);
    return forwardScope([src, opts.srcMask, opts.srcKeyPaddingMask, ...this.parameters()], () => {
      const sa = (x: Tensor): Tensor =>
        this.dropout1.forward(this.selfAttn.forward(x, x, x, { attnMask: opts.srcMask, keyPaddingMask: opts.srcKeyPaddingMask, isCausal: opts.isCausal, needWeights: false })[0]);
      const ff = (x: Tensor): Tensor => this.feedForward(x, this.linear1, this.dropout, this.linear2, this.dropout2);
      let x = src;
      if (this.normFirst) {
        x = add(x, sa(this.norm1.forward(x)));
        return add(x, ff(this.norm2.forward(x)));
      }
      x = this.norm1.forward(add(x, sa(x)));
      return this.norm2.forward(add(x, ff(x)));
    });
  }

  override getConfig(): LayerConfig {
    return this.layerConfig(this.dropout.p);
  }
}

/**
 * Self-attention, cross-attention over `memory` (the encoder output), then a feed-forward block, each
 * with a residual connection and LayerNorm. forward(tgt, memory, masks?) → same shape as tgt.
 * Submodules as PyTorch: selfAttn, multiheadAttn, linear1, dropout, linear2, norm1–3, dropout1–3.
 */
export class TransformerDecoderLayer extends TransformerLayerBase<[Tensor, Tensor, TransformerDecoderForwardOptions?]> {
  selfAttn: MultiheadAttention;
  multiheadAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;

  constructor(dModel: number, nhead: number, opts: TransformerLayerOptions = {}) {
    const o = resolve("TransformerDecoderLayer", dModel, nhead, opts);
    super(dModel, nhead, o);
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout: o.dropout, batchFirst: o.batchFirst });
    this.multiheadAttn = new MultiheadAttention(dModel, nhead, { dropout: o.dropout, batchFirst: o.batchFirst });
    this.linear1 = new Linear(dModel, o.dimFeedforward);
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel);
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.norm3 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
    this.dropout3 = new Dropout(o.dropout);
  }

  override forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderForwardOptions = {}): Tensor {
    const label = this.label();
    checkInput(label, "tgt", tgt, this.dModel);
    checkInput(label, "memory", memory, this.dModel);
    if (memory.ndim !== tgt.ndim) throw new ShapeError(label, `tgt ${fmtShape(tgt.shape)} and memory ${fmtShape(memory.shape)} must both be batched or both unbatched`);
    const masks = [opts.tgtMask, opts.memoryMask, opts.tgtKeyPaddingMask, opts.memoryKeyPaddingMask];
    return forwardScope([tgt, memory, ...masks, ...this.parameters()], () => {
      const sa = (x: Tensor): Tensor =>
        this.dropout1.forward(this.selfAttn.forward(x, x, x, { attnMask: opts.tgtMask, keyPaddingMask: opts.tgtKeyPaddingMask, isCausal: opts.tgtIsCausal, needWeights: false })[0]);
      const ca = (x: Tensor): Tensor =>
        this.dropout2.forward(this.multiheadAttn.forward(x, memory, memory, { attnMask: opts.memoryMask, keyPaddingMask: opts.memoryKeyPaddingMask, isCausal: opts.memoryIsCausal, needWeights: false })[0]);
      const ff = (x: Tensor): Tensor => this.feedForward(x, this.linear1, this.dropout, this.linear2, this.dropout3);
      let x = tgt;
      if (this.normFirst) {
        x = add(x, sa(this.norm1.forward(x)));
        x = add(x, ca(this.norm2.forward(x)));
        return add(x, ff(this.norm3.forward(x)));
      }
      x = this.norm1.forward(add(x, sa(x)));
      x = this.norm2.forward(add(x, ca(x)));
      return this.norm3.forward(add(x, ff(x)));
    });
  }

  override getConfig(): LayerConfig {
    return this.layerConfig(this.dropout.p);
  }
}

/** Options of the stacks. */
export interface TransformerStackOptions {
  /** A final normalisation of the stack's output (PyTorch passes one with normFirst layers), or null (default). */
  norm?: LayerNorm | null;
}

/** Copies of `layer` (same config and weights, as PyTorch's deepcopy), or fresh layers from a config. */
function clones<L extends AnyModule>(stack: string, layer: L | LayerConfig, n: number, type: string): L[] {
  checkInt(stack, "numLayers", n);
  const config = layer instanceof Module ? layer.getConfig() : layer;
  if (config.type !== type) throw new Error(`${stack}: layer must be a ${type} (or its config), got ${config.type}`);
  return Array.from({ length: n }, () => {
    const copy = moduleFromConfig<L>(config);
    if (layer instanceof Module) copy.loadStateDict(layer.stateDict());
    return copy;
  });
}

/** Masks of an encoder stack call (PyTorch's names). */
export interface TransformerEncoderForwardOptions {
  /** Attention mask for every layer ([seq, seq] or [batch·nhead, seq, seq]; bool true = masked out). */
  mask?: Tensor | null;
  /** [batch, seq]: true at padding positions. */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention in every layer (instead of mask). */
  isCausal?: boolean;
}

/**
 * numLayers encoder layers in sequence (`layers.0`, `layers.1`, ...), then the optional final norm.
 * Given a layer, every layer starts as a copy of it (as PyTorch); given a config, each is fresh.
 */
export class TransformerEncoder extends Module<[Tensor, TransformerEncoderForwardOptions?], Tensor> {
  layers: ModuleList<TransformerEncoderLayer>;
  norm: LayerNorm | null;

  constructor(layer: TransformerEncoderLayer | LayerConfig, readonly numLayers: number, opts: TransformerStackOptions = {}) {
    super();
    this.layers = new ModuleList(clones<TransformerEncoderLayer>("TransformerEncoder", layer, numLayers, "TransformerEncoderLayer"));
    this.norm = opts.norm ?? null;
  }

  override forward(src: Tensor, opts: TransformerEncoderForwardOptions = {}): Tensor {
    return forwardScope([src, opts.mask, opts.srcKeyPaddingMask, ...this.parameters()], () => {
      let x = src;
      for (const l of this.layers) x = l.forward(x, { srcMask: opts.mask, srcKeyPaddingMask: opts.srcKeyPaddingMask, isCausal: opts.isCausal });
      return this.norm ? this.norm.forward(x) : x;
    });
  }

  override getConfig(): LayerConfig {
    return { type: "TransformerEncoder", layer: this.layers.at(0).getConfig(), numLayers: this.numLayers, norm: this.norm ? this.norm.getConfig() : null };
  }
}

/** numLayers decoder layers in sequence, then the optional final norm (see TransformerEncoder). */
export class TransformerDecoder extends Module<[Tensor, Tensor, TransformerDecoderForwardOptions?], Tensor> {
  layers: ModuleList<TransformerDecoderLayer>;
  norm: LayerNorm | null;

  constructor(layer: TransformerDecoderLayer | LayerConfig, readonly numLayers: number, opts: TransformerStackOptions = {}) {
    super();
    this.layers = new ModuleList(clones<TransformerDecoderLayer>("TransformerDecoder", layer, numLayers, "TransformerDecoderLayer"));
    this.norm = opts.norm ?? null;
  }

  override forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderForwardOptions = {}): Tensor {
    const masks = [opts.tgtMask, opts.memoryMask, opts.tgtKeyPaddingMask, opts.memoryKeyPaddingMask];
    return forwardScope([tgt, memory, ...masks, ...this.parameters()], () => {
      let x = tgt;
      for (const l of this.layers) x = l.forward(x, memory, opts);
      return this.norm ? this.norm.forward(x) : x;
    });
  }

  override getConfig(): LayerConfig {
    return { type: "TransformerDecoder", layer: this.layers.at(0).getConfig(), numLayers: this.numLayers, norm: this.norm ? this.norm.getConfig() : null };
  }
}

function layerOptions(r: ConfigReader): TransformerLayerOptions {
  return {
    dimFeedforward: r.int("dimFeedforward", 2048), dropout: r.number("dropout", 0.1), activation: r.oneOf("activation", ["relu", "gelu"] as const, "relu"),
    layerNormEps: r.number("layerNormEps", 1e-5), batchFirst: r.bool("batchFirst", false), normFirst: r.bool("normFirst", false),
  };
}

function stackNorm(c: LayerConfig): LayerNorm | null {
  if (c.norm === null || c.norm === undefined) return null;
  const norm = moduleFromConfig(new ConfigReader(c).layer("norm"));
  if (!(norm instanceof LayerNorm)) throw new Error(`moduleFromConfig: ${c.type} config field "norm" must be a LayerNorm config or null, got ${norm.constructor.name}`);
  return norm;
}

registerLayer("TransformerEncoderLayer", (c) => {
  const r = new ConfigReader(c);
  return new TransformerEncoderLayer(r.int("dModel"), r.int("nhead"), layerOptions(r));
});
registerLayer("TransformerDecoderLayer", (c) => {
  const r = new ConfigReader(c);
  return new TransformerDecoderLayer(r.int("dModel"), r.int("nhead"), layerOptions(r));
});
registerLayer("TransformerEncoder", (c) => {
  const r = new ConfigReader(c);
  return new TransformerEncoder(r.layer("layer"), r.int("numLayers"), { norm: stackNorm(c) });
});
registerLayer("TransformerDecoder", (c) => {
  const r = new ConfigReader(c);
  return new TransformerDecoder(r.layer("layer"), r.int("numLayers"), { norm: stackNorm(c) });
});
