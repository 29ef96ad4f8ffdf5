// Losses by name, for training loops and configs that name their loss as a string.
import { ShapeError, type Tensor } from "../tensor/index.js";
import { binaryCrossEntropy, binaryCrossEntropyWithLogits, type BceOptions, type BceWithLogitsOptions } from "./binary.js";
import { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions } from "./classification.js";
import type { ReductionOptions } from "./common.js";
import { hingeEmbeddingLoss, type MarginOptions } from "./embedding.js";
import { klDiv, type KlDivOptions } from "./kl-div.js";
import { huberLoss, l1Loss, mseLoss, smoothL1Loss, type HuberOptions, type SmoothL1Options } from "./regression.js";

/** A loss of a prediction and a target, reduced as configured. */
export type LossFn = (pred: Tensor, target: Tensor) => Tensor;

/** The options each named loss takes. */
export interface LossOptionsByName {
  mse: ReductionOptions;
  l1: ReductionOptions;
  smoothL1: SmoothL1Options;
  huber: HuberOptions;
  bce: BceOptions;
  bceWithLogits: BceWithLogitsOptions;
  crossEntropy: CrossEntropyOptions;
  nll: NllLossOptions;
  kl: KlDivOptions;
  hingeEmbedding: MarginOptions;
}

/** A name getLoss knows. */
export type LossName = keyof LossOptionsByName;

/** Any named loss's options. */
export type LossOptions = LossOptionsByName[LossName];

interface Entry {
  /** The option keys the loss reads: anything else is a typo that would otherwise be ignored. */
  keys: readonly string[];
  make: (opts: LossOptions) => LossFn;
}

const R = ["reduction"] as const;

// each maker passes the caller's options object straight through; the loss validates the values
const registry: Record<LossName, Entry> = {
  mse: { keys: R, make: (o) => (p, t) => mseLoss(p, t, o as ReductionOptions) },
  l1: { keys: R, make: (o) => (p, t) => l1Loss(p, t, o as ReductionOptions) },
  smoothL1: { keys: [...R, "beta"], make: (o) => (p, t) => smoothL1Loss(p, t, o as SmoothL1Options) },
  huber: { keys: [...R, "delta"], make: (o) => (p, t) => huberLoss(p, t, o as HuberOptions) },
  bce: { keys: [...R, "weight"], make: (o) => (p, t) => binaryCrossEntropy(p, t, o as BceOptions) },
  bceWithLogits: { keys: [...R, "weight", "posWeight"], make: (o) => (p, t) => binaryCrossEntropyWithLogits(p, t, o as BceWithLogitsOptions) },
  crossEntropy: { keys: [...R, "weight", "ignoreIndex", "labelSmoothing"], make: (o) => (p, t) => crossEntropy(p, t, o as CrossEntropyOptions) },
  nll: { keys: [...R, "weight", "ignoreIndex"], make: (o) => (p, t) => nllLoss(p, t, o as NllLossOptions) },
  kl: { keys: [...R, "logTarget"], make: (o) => (p, t) => klDiv(p, t, o as KlDivOptions) },
  hingeEmbedding: { keys: [...R, "margin"], make: (o) => (p, t) => hingeEmbeddingLoss(p, t, o as MarginOptions) },
};

/** Every name getLoss accepts. */
export const lossNames: readonly LossName[] = Object.keys(registry) as LossName[];

/**
 * The loss called `name` as a `(pred, target) => Tensor` function with `opts` bound, e.g.
 * `getLoss("crossEntropy", { labelSmoothing: 0.1 })`. Unknown names and unknown option keys throw,
 * listing what is valid.
 */
export function getLoss<N extends LossName>(name: N, opts?: LossOptionsByName[N]): LossFn;
/** getLoss for a name only known at run time (from a config file or a command line). */
export function getLoss(name: string, opts?: LossOptions): LossFn;
export function getLoss(name: string, opts: LossOptions = {}): LossFn {
  const entry = Object.prototype.hasOwnProperty.call(registry, name) ? registry[name as LossName] : undefined;
  if (!entry) throw new ShapeError("getLoss", `unknown loss ${JSON.stringify(name)}; valid names: ${lossNames.join(", ")}`);
  if (opts === null || typeof opts !== "object") throw new ShapeError("getLoss", `options for "${name}" must be an object, got ${String(opts)}`);
  const unknown = Object.keys(opts).filter((k) => !entry.keys.includes(k));
  if (unknown.length) {
    throw new ShapeError("getLoss", `"${name}" has no option ${unknown.map((k) => `"${k}"`).join(", ")}; its options: ${entry.keys.join(", ")}`);
  }
  return entry.make({ ...opts });
}
