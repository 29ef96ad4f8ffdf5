// softmax and logSoftmax along any dim: the row kernel runs on the last axis; other dims are moved last
// with one copyStrided and moved back.
import { autocastFloat32 } from "../../../amp/autocast.js";
import { needsGrad, record } from "../../../autograd/record.js";
import { empty } from "../../alloc.js";
import { normDim, splitAt } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { checkFloat, moveAxisBack, moveAxisLast } from "./util.js";

function softmaxImpl(op: string, x: Tensor, dim: number, log: boolean): Tensor {
  [x] = autocastFloat32([x]);
  const dt = checkFloat(op, { x });
  const d = normDim(op, dim, x.ndim);
  const [outer, r, inner] = x.ndim === 0 ? [1, 1, 1] : splitAt(x.shape, d);
  const b = x.backend;
  if (inner === 1) {
    const out = empty(x.shape, dt, x.device);
    b.softmax(x.storage, out.storage, outer, r, log);
    return record(op, out, [x], (g) => {
      const gx = empty(x.shape, dt, x.device);
      b.softmaxGrad(out.storage, g.storage, gx.storage, outer, r, log);
      return [gx];
    });
  }
  const xt = moveAxisLast(x, outer, r, inner);
  const yt = empty(xt.shape, dt, x.device);
  b.softmax(xt.storage, yt.storage, outer * inner, r, log);
  xt.dispose();
  const out = moveAxisBack(yt, outer, r, inner, x.shape);
  if (!needsGrad(x)) yt.dispose();
  return record(op, out, [x], (g) => {
    const gt = moveAxisLast(g, outer, r, inner);
    const gxt = empty(gt.shape, dt, x.device);
    b.softmaxGrad(yt.storage, gt.storage, gxt.storage, outer * inner, r, log);
    const gx = moveAxisBack(gxt, outer, r, inner, x.shape);
    gt.dispose();
    gxt.dispose();
    return [gx];
  });
}

/** softmax(x) along `dim` (default last). */
export function softmax(x: Tensor, dim = -1): Tensor {
  return softmaxImpl("softmax", x, dim, false);
}

/** log(softmax(x)) along `dim`, computed stably in one pass. */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  return softmaxImpl("logSoftmax", x, dim, true);
}
