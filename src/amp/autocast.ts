import type { Device } from "../backends/storage.js";
import { isFloatingPoint, isHalf, type DType } from "../tensor/dtype.js";
import type { HalfDType } from "../tensor/half.js";
import type { Tensor } from "../tensor/tensor.js";
import { cast } from "../tensor/ops/elementwise.js";

/** torch.autocast's arguments. */
export interface AutocastOptions {
  /** Which device's ops are autocast ("cuda" by default, as torch.autocast("cuda")). */
  deviceType?: Device;
  /** The lower precision: "bfloat16" (the default: float32's range, no loss scaling needed) or "float16". */
  dtype?: HalfDType;
  /** false turns autocast off inside fn, e.g. for a part that must run in float32. */
  enabled?: boolean;
}

type State = Readonly<Record<Device, HalfDType | null>>;
let state: State = { cpu: null, cuda: null };

/**
 * Mixed precision as torch.autocast: inside fn, ops on `deviceType` run in the precision that suits them.
 * - matmul, linear, convolutions and attention cast their float inputs to `dtype` and return `dtype`
 *   (tensor cores, half the memory traffic);
 * - softmax, log-softmax, normalisation and losses cast half inputs up and compute in float32;
 * - everything else runs in its inputs' dtype, float32 winning when dtypes mix (type promotion).
 * Parameters stay float32 ("master weights"): the casts are recorded by autograd, so their gradients come
 * back float32 and any optimizer works unchanged. Run the backward pass outside autocast, as in PyTorch.
 * fn must be synchronous: the previous state is back when it returns.
 */
export function autocast<T>(opts: AutocastOptions, fn: () => T): T {
  const device = opts.deviceType ?? "cuda";
  if (device !== "cpu" && device !== "cuda") throw new Error(`autocast: deviceType must be "cpu" or "cuda", got ${JSON.stringify(device)}`);
  const dtype = opts.dtype ?? "bfloat16";
  if (!isHalf(dtype)) throw new Error(`autocast: dtype must be "bfloat16" or "float16", got ${JSON.stringify(dtype)}`);
  const prev = state;
  state = { ...prev, [device]: opts.enabled === false ? null : dtype };
  try {
    const result = fn();
    if (result instanceof Promise) throw new Error("autocast: fn returned a Promise; autocast regions are synchronous (await inside is not covered)");
    return result;
  } finally {
    state = prev;
  }
}

/** Whether autocast is on for `device` here (torch.is_autocast_enabled). */
export function isAutocastEnabled(device: Device = "cuda"): boolean {
  return state[device] !== null;
}

/** The dtype autocast lowers to on `device`, or null when it is off. */
export function autocastDtype(device: Device = "cuda"): HalfDType | null {
  return state[device];
}

function convert(ts: readonly Tensor[], pick: (dtype: DType) => DType | null): Tensor[] {
  return ts.map((t) => {
    const to = pick(t.dtype);
    return to === null || to === t.dtype ? t : cast(t, to);
  });
}

/**
 * For ops on autocast's lower-precision list (matmul, linear, conv, attention): float inputs cast to the
 * autocast dtype when autocast is on for their device; the tensors themselves otherwise.
 */
export function autocastLower(ts: readonly Tensor[]): Tensor[] {
  const dtype = ts.length > 0 ? state[ts[0].device] : null;
  if (dtype === null) return ts as Tensor[];
  return convert(ts, (d) => (isFloatingPoint(d) ? dtype : null));
}

/** For ops on autocast's float32 list (softmax, normalisation, losses): half inputs cast up to float32 when autocast is on. */
export function autocastFloat32(ts: readonly Tensor[]): Tensor[] {
  if (ts.length === 0 || state[ts[0].device] === null) return ts as Tensor[];
  return convert(ts, (d) => (isHalf(d) ? "float32" : null));
}
