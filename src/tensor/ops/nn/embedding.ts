// Embedding lookup: indexSelect forward, indexAdd backward.
import { record } from "../../../autograd/record.js";
import { empty } from "../../alloc.js";
import { fmtShape, ShapeError } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { checkFloat, checkIndexRange } from "./util.js";

/**
 * Rows of `weight` [V, D] picked by int32 `indices` (any shape) → [...indices.shape, D] in weight's dtype. The row at
 * `paddingIdx` receives no gradient.
 */
export function embedding(indices: Tensor, weight: Tensor, paddingIdx?: number | null): Tensor {
  const op = "embedding";
  const dt = checkFloat(op, { weight });
  if (indices.dtype !== "int32") throw new ShapeError(op, `indices must be int32, got ${indices.dtype} ${fmtShape(indices.shape)}`);
  if (weight.ndim !== 2) throw new ShapeError(op, `weight must be [numEmbeddings, dim], got ${fmtShape(weight.shape)}`);
  const [v, d] = weight.shape;
  let pad: number | null = null;
  if (paddingIdx !== undefined && paddingIdx !== null) {
    pad = paddingIdx < 0 ? paddingIdx + v : paddingIdx;
    if (!Number.isInteger(pad) || pad < 0 || pad >= v) throw new ShapeError(op, `paddingIdx ${paddingIdx} out of range for ${v} embeddings`);
  }
  checkIndexRange(op, indices, v, `indices into weight ${fmtShape(weight.shape)}`);
  const n = indices.size;
  const out = empty([...indices.shape, d], dt, weight.device);
  const b = weight.backend;
  b.indexSelect(weight.storage, indices.storage, out.storage, 1, v, n, d);
  return record(op, out, [weight], (g) => {
    const gw = empty(weight.shape, dt, weight.device, true);
    b.indexAdd(g.storage, indices.storage, gw.storage, 1, v, n, d);
    if (pad !== null) {
      const z = empty([d], dt, weight.device, true);
      b.copyStrided(z.storage, 0, [1], gw.storage, pad * d, [1], [d]);
      z.dispose();
    }
    return [gw];
  });
}
