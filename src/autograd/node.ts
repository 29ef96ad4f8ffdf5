import type { Tensor } from "../tensor/tensor.js";

/**
 * A gradient that is zero except on a strided region of its input: `value` sits at `offset` with
 * `strides` inside a dense tensor of `fullShape`. Slicing ops (narrow, select, chunk, index) return
 * these so the engine can add them into the gradient it is accumulating, in place, instead of
 * materialising a full-size zero tensor per slice (50 timesteps of an RNN made 50 full-size tensors).
 * `covers` says the region is every element (a permutation), so no zero fill is needed.
 */
export class SliceGrad {
  constructor(
    readonly value: Tensor,
    readonly offset: number,
    readonly strides: readonly number[],
    readonly fullShape: readonly number[],
    readonly covers = false,
  ) {}
}

/** Given the gradient of an op's output, the gradients of its inputs (null where none flows). */
export type BackwardFn = (grad: Tensor) => readonly (Tensor | SliceGrad | null | undefined)[];

/** One recorded op in the tape: its inputs and the closure that holds what backward needs. */
export class GradNode {
  /** Where the forward op was recorded (captured only in anomaly-detection mode). */
  trace: string | null = null;

  constructor(
    readonly name: string,
    readonly inputs: readonly Tensor[],
    public backwardFn: BackwardFn | null,
  ) {}
}
