import type { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { isFloatingPoint } from "../tensor/dtype.js";
import { AnomalyError, isDetectingAnomaly } from "./anomaly.js";
import { isGradEnabled } from "./grad-mode.js";
import { GradNode, type BackwardFn } from "./node.js";

/**
 * Every op passes its output through here: it records the backward closure when any input requires
 * grad (and grad mode is on), and in anomaly mode checks the output for NaN/Inf.
 */
export function record(op: string, out: Tensor, inputs: readonly Tensor[], backward: BackwardFn): Tensor {
  if (isDetectingAnomaly() && isFloatingPoint(out.dtype)) checkFinite(op, out, inputs);
  if (!isGradEnabled()) return out;
  for (const x of inputs) {
    if (x.requiresGrad) {
      out.requiresGrad = true;
      out.gradFn = new GradNode(op, inputs, backward);
      if (isDetectingAnomaly()) out.gradFn.trace = forwardTrace();
      break;
    }
  }
  return out;
}

export function needsGrad(...inputs: Tensor[]): boolean {
  if (!isGradEnabled()) return false;
  for (const x of inputs) if (x.requiresGrad) return true;
  return false;
}

function checkFinite(op: string, out: Tensor, inputs: readonly Tensor[]): void {
  const data = out.dataSync();
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const what = Number.isNaN(data[i]) ? "NaN" : "Inf";
      const shapes = inputs.map((x) => fmtShape(x.shape)).join(", ");
      throw new AnomalyError(`${op}: produced ${what} at flat index ${i} of output ${fmtShape(out.shape)} (inputs ${shapes})`);
    }
  }
}

/** The caller's stack, minus the engine's own frames. */
function forwardTrace(): string {
  const lines = (new Error().stack ?? "").split("\n").slice(1);
  const user = lines.filter((l) => !/[\\/]src[\\/](autograd|tensor)[\\/]/.test(l));
  return (user.length ? user : lines).slice(0, 8).join("\n");
}
