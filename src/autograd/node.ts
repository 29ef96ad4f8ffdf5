import type { Tensor } from "../tensor/tensor.js";

/** Given the gradient of an op's output, the gradients of its inputs (null where none flows). */
export type BackwardFn = (grad: Tensor) => readonly (Tensor | null | undefined)[];

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
