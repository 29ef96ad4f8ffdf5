// Attention through a backend's fused kernel (FlashAttention): the lq×lk scores and probabilities are
// never stored, only the output and one log-sum-exp per query row, from which the backward pass
// recomputes the probabilities. Used by scaledDotProductAttention and causalSelfAttention whenever the
// backend has the kernel and takes the shape; they fall back to their GEMM paths otherwise.
import { needsGrad, record } from "../../../autograd/record.js";
import type { AttentionLayout, FlashAttentionParams } from "../../../backends/backend.js";
import { empty } from "../../alloc.js";
import type { Shape } from "../../shape.js";
import type { Tensor } from "../../tensor.js";

let flashEnabled = true;

/** Turns the fused attention kernels on or off (PyTorch's torch.backends.cuda.enable_flash_sdp); on by default. */
export function enableFlashSdp(enabled: boolean): void {
  flashEnabled = enabled;
}

/** Whether attention may use a backend's fused kernel (PyTorch's flash_sdp_enabled). */
export function flashSdpEnabled(): boolean {
  return flashEnabled;
}

/** Layout of a dense [batch, heads, rows, headDim] operand. */
export function headsLayout(heads: number, rows: number, headDim: number): AttentionLayout {
  return { offset: 0, batchStride: heads * rows * headDim, headStride: rows * headDim, rowStride: headDim };
}

/** Where q, k and v live: one tensor each, or one packed tensor holding all three. */
export type FlashInputs = { q: Tensor; k: Tensor; v: Tensor } | { packed: Tensor };

/**
 * Runs the fused kernel and records its gradient, or returns null (nothing done) when fused attention
 * is off or the backend does not take the shape. `outShape` must match `p.out` densely.
 */
export function flashAttend(op: string, inputs: FlashInputs, outShape: Shape, p: FlashAttentionParams): Tensor | null {
  const first = "packed" in inputs ? inputs.packed : inputs.q;
  const be = first.backend;
  if (!flashEnabled || !be.flashAttention || !be.flashAttentionGrad) return null;
  const [q, k, v] = "packed" in inputs ? [inputs.packed, inputs.packed, inputs.packed] : [inputs.q, inputs.k, inputs.v];
  const out = empty(outShape, first.dtype, first.device);
  // the per-row log-sum-exp is a statistic for the backward pass: float32 whatever the inputs' dtype, as PyTorch's
  const lse = empty([p.batch, p.heads, p.lq], "float32", first.device);
  if (!be.flashAttention(q.storage, k.storage, v.storage, out.storage, lse.storage, p)) {
    out.dispose();
    lse.dispose();
    return null;
  }
  const sources = "packed" in inputs ? [inputs.packed] : [inputs.q, inputs.k, inputs.v];
  if (!needsGrad(...sources)) {
    lse.dispose();
    return record(op, out, sources, () => sources.map(() => null));
  }
  return record(op, out, sources, (gOut) => {
    const grads = sources.map((s) => empty(s.shape, s.dtype, s.device));
    const [gq, gk, gv] = grads.length === 1 ? [grads[0], grads[0], grads[0]] : grads;
    const done = be.flashAttentionGrad?.(q.storage, k.storage, v.storage, out.storage, gOut.storage, lse.storage, gq.storage, gk.storage, gv.storage, p);
    // a kernel that took the forward takes the backward of the same shape; anything else is a backend bug
    if (!done) throw new Error(`${op}: the ${be.name} backend ran flashAttention but refused its gradient`);
    return grads;
  });
}
