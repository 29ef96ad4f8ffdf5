import { COMPARISON_OPS, type BinaryOp, type UnaryOp, type UnaryParams } from "../../backends/backend.js";
import { record } from "../../autograd/record.js";
import { toDevice } from "./device.js";
import { empty } from "../alloc.js";
import { isFloatingPoint, promoteTypes, type DType } from "../dtype.js";
import type { Device } from "../../backends/storage.js";
import { broadcastShapes, broadcastStrides, contiguousStrides, ShapeError, shapeEquals, fmtShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { sumTo } from "./reduce.js";

export type TensorLike = Tensor | number;

function sameDevice(op: string, a: Tensor, b: Tensor): void {
  if (a.device !== b.device) throw new ShapeError(op, `tensors are on different devices (${a.device} and ${b.device})`);
}

/**
 * Converts dtype (a copy, even when the dtype is unchanged). Gradients flow through float→float only, and
 * come back in the input's dtype: a float32 weight cast to bfloat16 gets a float32 gradient.
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  const out = empty(x.shape, dtype, x.device);
  x.backend.cast(x.storage, out.storage);
  if (!isFloatingPoint(dtype) || !isFloatingPoint(x.dtype)) return out;
  return record("cast", out, [x], (g) => [g.dtype === x.dtype ? g : cast(g, x.dtype)]);
}

/** Unary ops whose kernels take int32 input and keep it (as in PyTorch); every other op computes in float32. */
const INT_KERNELS: ReadonlySet<UnaryOp> = new Set(["neg", "abs", "sign", "square", "clamp"]);

function floatInput(op: UnaryOp, x: Tensor): Tensor {
  if (isFloatingPoint(x.dtype) || op === "logicalNot") return x;
  if (INT_KERNELS.has(op)) return x.dtype === "bool" ? cast(x, "int32") : x;
  return cast(x, "float32");
}

/** Applies a unary kernel, recording its backward through the backend's unaryGrad kernel. */
export function unaryOp(op: UnaryOp, x: Tensor, p: UnaryParams = {}): Tensor {
  if (!isFloatingPoint(x.dtype)) {
    // integers are already whole, and relu is a clamp: these keep int32 without new kernels
    if (op === "floor" || op === "ceil" || op === "round" || op === "trunc") return cast(x, "int32");
    if (op === "relu") return unaryOp("clamp", x, { min: 0 });
  }
  const input = floatInput(op, x);
  const outDtype: DType = op === "logicalNot" || op === "isnan" || op === "isinf" ? "bool" : input.dtype;
  const out = empty(input.shape, outDtype, input.device);
  input.backend.unary(op, input.storage, out.storage, input.size, p);
  // a cast of a non-float input: nothing can need it for backward (ints never require grad)
  if (input !== x) input.dispose();
  if (!isFloatingPoint(outDtype)) return out;
  return record(op, out, [input], (g) => {
    const gx = empty(input.shape, input.dtype, input.device);
    input.backend.unaryGrad(op, input.storage, out.storage, g.storage, gx.storage, input.size, p);
    return [gx];
  });
}

/** The dtype a number takes next to a tensor of dtype `like` (PyTorch: a float scalar makes ints float32 and leaves floats as they are). */
function scalarDtype(v: number, like: DType): DType {
  if (isFloatingPoint(like)) return like;
  return !Number.isInteger(v) ? "float32" : like === "bool" ? "int32" : like;
}

function scalarTensor(v: number, dtype: DType, device: Device): Tensor {
  const t = empty([], dtype, device);
  t.backend.fill(t.storage, v);
  return t;
}

/** Disposes temporaries the op made, unless the output's backward may still read them. */
function disposeTemps(out: Tensor, ...temps: (Tensor | null)[]): void {
  if (out.gradFn !== null) return;
  for (const t of temps) if (t && !t.isDisposed) t.dispose();
}

/** Applies a broadcasting binary kernel; gradients are summed back to each input's shape. */
export function binaryOp(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  if (typeof a === "number" && typeof b === "number") throw new Error(`${op}: at least one operand must be a tensor`);
  const isCmp = COMPARISON_OPS.has(op);
  // tensor ⊙ scalar: no broadcast bookkeeping, one fused kernel
  if (typeof a === "number" || typeof b === "number") {
    const t = (typeof a === "number" ? b : a) as Tensor;
    const s = (typeof a === "number" ? a : b) as number;
    const reversed = typeof a === "number";
    // the dtype the arithmetic runs in: int ⊙ float-scalar, true division, atan2 and negative powers are float
    let dtype = isCmp ? t.dtype : scalarDtype(s, t.dtype);
    if (!isCmp && !isFloatingPoint(dtype) && (op === "div" || op === "atan2" || (op === "pow" && !reversed && s < 0))) dtype = "float32";
    const input = t.dtype === dtype ? t : cast(t, dtype);
    const out = empty(t.shape, isCmp ? "bool" : dtype, t.device);
    t.backend.binaryScalar(op, input.storage, s, out.storage, t.size, reversed);
    if (input !== t) input.dispose();
    if (isCmp || !isFloatingPoint(dtype)) return out;
    return record(op, out, [input], (g) => [scalarGrad(op, input, out, g, s, reversed)]);
  }
  sameDevice(op, a, b);
  const shape = broadcastShapes(op, a.shape, b.shape);
  let dtype = promoteTypes(a.dtype, b.dtype);
  if (dtype === "bool" && !isCmp) dtype = "int32";
  if ((op === "div" || op === "atan2") && !isFloatingPoint(dtype)) dtype = "float32";
  // comparisons run in the promoted type too, so kernels always see operands of one dtype
  const x = a.dtype === dtype ? a : cast(a, dtype);
  const y = b.dtype === dtype ? b : cast(b, dtype);
  const out = empty(shape, isCmp ? "bool" : dtype, a.device);
  a.backend.binary(op, x.storage, broadcastStrides(x.shape, shape), y.storage, broadcastStrides(y.shape, shape), out.storage, shape);
  if (!isCmp && isFloatingPoint(dtype)) record(op, out, [x, y], (g) => binaryGrads(op, x, y, out, g));
  disposeTemps(out, x === a ? null : x, y === b ? null : y);
  return out;
}

function binaryGrads(op: BinaryOp, a: Tensor, b: Tensor, out: Tensor, g: Tensor): (Tensor | null)[] {
  const ga = a.requiresGrad;
  const gb = b.requiresGrad;
  switch (op) {
    case "add":
      return [ga ? sumTo(g, a.shape) : null, gb ? sumTo(g, b.shape) : null];
    case "sub":
      return [ga ? sumTo(g, a.shape) : null, gb ? sumTo(neg(g), b.shape) : null];
    case "mul":
      return [ga ? sumTo(mul(g, b), a.shape) : null, gb ? sumTo(mul(g, a), b.shape) : null];
    case "div":
      // d(a/b)/db = -out/b
      return [ga ? sumTo(div(g, b), a.shape) : null, gb ? sumTo(neg(div(mul(g, out), b)), b.shape) : null];
    case "pow":
      // d/da = b·a^(b−1) (0 where b = 0, as 0·0^−1 would be NaN); d/db = out·ln a (0 where a = 0)
      return [
        ga ? sumTo(mul(g, where(binaryOp("eq", b, 0), 0, mul(b, binaryOp("pow", a, sub(b, 1))))), a.shape) : null,
        gb ? sumTo(mul(g, mul(out, where(binaryOp("gt", a, 0), unaryOp("log", a), 0))), b.shape) : null,
      ];
    case "maximum":
    case "minimum": {
      // ties split the gradient evenly, as in PyTorch
      const mask = binaryOp(op === "maximum" ? "gt" : "lt", a, b);
      const tie = binaryOp("eq", a, b);
      const wa = add(cast(mask, "float32"), mul(cast(tie, "float32"), 0.5));
      return [ga ? sumTo(mul(g, wa), a.shape) : null, gb ? sumTo(mul(g, sub(1, wa)), b.shape) : null];
    }
    case "atan2": {
      const denom = add(mul(a, a), mul(b, b));
      return [ga ? sumTo(div(mul(g, b), denom), a.shape) : null, gb ? sumTo(neg(div(mul(g, a), denom)), b.shape) : null];
    }
    case "remainder":
      // a − b·floor(a/b)
      return [ga ? sumTo(g, a.shape) : null, gb ? sumTo(neg(mul(g, unaryOp("floor", div(a, b)))), b.shape) : null];
    default:
      return [null, null];
  }
}

function scalarGrad(op: BinaryOp, x: Tensor, out: Tensor, g: Tensor, s: number, reversed: boolean): Tensor | null {
  switch (op) {
    case "add":
      return g;
    case "sub":
      return reversed ? neg(g) : g;
    case "mul":
      return mul(g, s);
    case "div":
      return reversed ? neg(div(mul(g, out), x)) : mul(g, 1 / s);
    case "pow":
      // s^x: out·ln s (0 for s = 0, where PyTorch masks the −inf·0); x^s: s·x^(s−1)
      if (reversed) return s === 0 ? mul(g, 0) : mul(g, mul(out, Math.log(s)));
      return s === 0 ? mul(g, 0) : mul(g, mul(unaryOp("powScalar", x, { exponent: s - 1 }), s));
    case "maximum":
    case "minimum": {
      const w = add(cast(binaryOp(op === "maximum" ? "gt" : "lt", x, s), "float32"), mul(cast(binaryOp("eq", x, s), "float32"), 0.5));
      return mul(g, w);
    }
    case "remainder":
      return reversed ? neg(mul(g, unaryOp("floor", div(s, x)))) : g;
    case "atan2": {
      const denom = add(mul(x, x), s * s);
      return reversed ? neg(div(mul(g, s), denom)) : div(mul(g, s), denom);
    }
    default:
      return null;
  }
}

export const add = (a: TensorLike, b: TensorLike): Tensor => binaryOp("add", a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binaryOp("sub", a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => binaryOp("mul", a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => binaryOp("div", a, b);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binaryOp("maximum", a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binaryOp("minimum", a, b);
export const atan2 = (a: TensorLike, b: TensorLike): Tensor => binaryOp("atan2", a, b);
export const remainder = (a: TensorLike, b: TensorLike): Tensor => binaryOp("remainder", a, b);
export const eq = (a: TensorLike, b: TensorLike): Tensor => binaryOp("eq", a, b);
export const ne = (a: TensorLike, b: TensorLike): Tensor => binaryOp("ne", a, b);
export const lt = (a: TensorLike, b: TensorLike): Tensor => binaryOp("lt", a, b);
export const le = (a: TensorLike, b: TensorLike): Tensor => binaryOp("le", a, b);
export const gt = (a: TensorLike, b: TensorLike): Tensor => binaryOp("gt", a, b);
export const ge = (a: TensorLike, b: TensorLike): Tensor => binaryOp("ge", a, b);
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => binaryOp("logicalAnd", a, b);
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => binaryOp("logicalOr", a, b);
export const logicalXor = (a: TensorLike, b: TensorLike): Tensor => binaryOp("logicalXor", a, b);
export const logicalNot = (x: Tensor): Tensor => unaryOp("logicalNot", x);

/** x^e; a number exponent uses the fused scalar kernel. Integer tensors stay integer for whole, non-negative e. */
export function pow(x: TensorLike, e: TensorLike): Tensor {
  if (x instanceof Tensor && typeof e === "number") {
    if (!isFloatingPoint(x.dtype) && Number.isInteger(e) && e >= 0) return binaryOp("pow", x, e);
    if (e === 2) return unaryOp("square", x);
    if (e === 0.5) return unaryOp("sqrt", x);
    return unaryOp("powScalar", x, { exponent: e });
  }
  return binaryOp("pow", x, e);
}

export const neg = (x: Tensor): Tensor => unaryOp("neg", x);
export const abs = (x: Tensor): Tensor => unaryOp("abs", x);
export const sign = (x: Tensor): Tensor => unaryOp("sign", x);
export const exp = (x: Tensor): Tensor => unaryOp("exp", x);
export const expm1 = (x: Tensor): Tensor => unaryOp("expm1", x);
export const log = (x: Tensor): Tensor => unaryOp("log", x);
export const log1p = (x: Tensor): Tensor => unaryOp("log1p", x);
export const sqrt = (x: Tensor): Tensor => unaryOp("sqrt", x);
export const rsqrt = (x: Tensor): Tensor => unaryOp("rsqrt", x);
export const square = (x: Tensor): Tensor => unaryOp("square", x);
export const reciprocal = (x: Tensor): Tensor => unaryOp("reciprocal", x);
export const sin = (x: Tensor): Tensor => unaryOp("sin", x);
export const cos = (x: Tensor): Tensor => unaryOp("cos", x);
export const tanh = (x: Tensor): Tensor => unaryOp("tanh", x);
export const sigmoid = (x: Tensor): Tensor => unaryOp("sigmoid", x);
export const relu = (x: Tensor): Tensor => unaryOp("relu", x);
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => unaryOp("leakyRelu", x, { alpha: negativeSlope });
export const elu = (x: Tensor, alpha = 1): Tensor => unaryOp("elu", x, { alpha });
/** GELU; approximate "tanh" uses the tanh form (as GPT-2 does). */
export const gelu = (x: Tensor, approximate: "none" | "tanh" = "none"): Tensor => unaryOp(approximate === "tanh" ? "geluTanh" : "gelu", x);
export const silu = (x: Tensor): Tensor => unaryOp("silu", x);
export const softplus = (x: Tensor): Tensor => unaryOp("softplus", x);
export const erf = (x: Tensor): Tensor => unaryOp("erf", x);
export const floor = (x: Tensor): Tensor => unaryOp("floor", x);
export const ceil = (x: Tensor): Tensor => unaryOp("ceil", x);
export const round = (x: Tensor): Tensor => unaryOp("round", x);
export const trunc = (x: Tensor): Tensor => unaryOp("trunc", x);
export const isnan = (x: Tensor): Tensor => unaryOp("isnan", x);
export const isinf = (x: Tensor): Tensor => unaryOp("isinf", x);

export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  if (min === undefined && max === undefined) throw new Error("clamp: at least one of min and max must be given");
  if (min !== undefined && max !== undefined && min > max) throw new Error(`clamp: min (${min}) is greater than max (${max})`);
  // an integer tensor clamped to a fractional bound becomes float, as in PyTorch
  const fractional = (min !== undefined && !Number.isInteger(min) && Number.isFinite(min)) || (max !== undefined && !Number.isInteger(max) && Number.isFinite(max));
  if (!isFloatingPoint(x.dtype) && fractional) {
    const xf = cast(x, "float32");
    const out = unaryOp("clamp", xf, { min, max });
    xf.dispose();
    return out;
  }
  return unaryOp("clamp", x, { min, max });
}

/** Elementwise select: cond ? a : b, broadcasting all three. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  return whereTyped(cond, a, b, null);
}

/** where() with the dtype of number operands forced (maskedFill keeps its input's dtype). */
function whereTyped(cond: Tensor, a: TensorLike, b: TensorLike, scalarType: DType | null): Tensor {
  const numType = (v: number, other: TensorLike): DType =>
    scalarType ?? (typeof other === "number" ? (Number.isInteger(v) && Number.isInteger(other) ? "int32" : "float32") : scalarDtype(v, other.dtype));
  const x = typeof a === "number" ? scalarTensor(a, numType(a, b), cond.device) : a;
  const y = typeof b === "number" ? scalarTensor(b, numType(b, a), cond.device) : b;
  sameDevice("where", cond, x);
  sameDevice("where", x, y);
  const shape = broadcastShapes("where", broadcastShapes("where", cond.shape, x.shape), y.shape);
  const c = cond.dtype === "bool" ? cond : binaryOp("ne", cond, 0);
  const dtype = promoteTypes(x.dtype, y.dtype);
  const xa = x.dtype === dtype ? x : cast(x, dtype);
  const ya = y.dtype === dtype ? y : cast(y, dtype);
  const out = empty(shape, dtype, cond.device);
  cond.backend.where(c.storage, broadcastStrides(c.shape, shape), xa.storage, broadcastStrides(xa.shape, shape), ya.storage, broadcastStrides(ya.shape, shape), out.storage, shape);
  if (isFloatingPoint(dtype)) {
    record("where", out, [xa, ya], (g) => [
      xa.requiresGrad ? sumTo(where(c, g, 0), xa.shape) : null,
      ya.requiresGrad ? sumTo(where(c, 0, g), ya.shape) : null,
    ]);
  }
  // the backward reads only the condition and the operands' shapes, so number operands and casts can go now
  for (const t of [x === a ? null : x, y === b ? null : y, xa === x ? null : xa, ya === y ? null : ya]) t?.dispose();
  if (c !== cond && out.gradFn === null) c.dispose();
  return out;
}

/** x with `value` where mask is true (mask broadcasts to x). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (mask.dtype !== "bool") throw new ShapeError("maskedFill", `mask must be bool, got ${mask.dtype}`);
  const shape = broadcastShapes("maskedFill", x.shape, mask.shape);
  if (!shapeEquals(shape, x.shape)) throw new ShapeError("maskedFill", `mask ${fmtShape(mask.shape)} does not broadcast to ${fmtShape(x.shape)}`);
  // the result keeps x's dtype (the value is converted to it), as in PyTorch
  return whereTyped(mask, value, x, x.dtype);
}

/** An elementwise copy with fresh storage. */
export function clone(x: Tensor): Tensor {
  const out = empty(x.shape, x.dtype, x.device);
  const s = contiguousStrides(x.shape);
  x.backend.copyStrided(x.storage, 0, s, out.storage, 0, s, x.shape);
  return record("clone", out, [x], (g) => [g]);
}

declare module "../tensor.js" {
  interface Tensor {
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(exponent: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    remainder(other: TensorLike): Tensor;
    eq(other: TensorLike): Tensor;
    ne(other: TensorLike): Tensor;
    lt(other: TensorLike): Tensor;
    le(other: TensorLike): Tensor;
    gt(other: TensorLike): Tensor;
    ge(other: TensorLike): Tensor;
    logicalAnd(other: TensorLike): Tensor;
    logicalOr(other: TensorLike): Tensor;
    logicalXor(other: TensorLike): Tensor;
    logicalNot(): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    sign(): Tensor;
    exp(): Tensor;
    expm1(): Tensor;
    log(): Tensor;
    log1p(): Tensor;
    sqrt(): Tensor;
    rsqrt(): Tensor;
    square(): Tensor;
    reciprocal(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    leakyRelu(negativeSlope?: number): Tensor;
    elu(alpha?: number): Tensor;
    gelu(approximate?: "none" | "tanh"): Tensor;
    silu(): Tensor;
    softplus(): Tensor;
    erf(): Tensor;
    floor(): Tensor;
    ceil(): Tensor;
    round(): Tensor;
    trunc(): Tensor;
    isnan(): Tensor;
    isinf(): Tensor;
    clamp(min?: number, max?: number): Tensor;
    maskedFill(mask: Tensor, value: number): Tensor;
    where(cond: Tensor, other: TensorLike): Tensor;
    clone(): Tensor;
    /** Converts dtype, or moves to a device ("cpu" returns this tensor). */
    to(target: DType | Device): Tensor;
    float(): Tensor;
    /** Cast to bfloat16, as torch's .bfloat16(). */
    bfloat16(): Tensor;
    /** Cast to float16, as torch's .half(). */
    half(): Tensor;
    int(): Tensor;
    bool(): Tensor;
  }
}

const P = Tensor.prototype;
P.add = function (o) { return add(this, o); };
P.sub = function (o) { return sub(this, o); };
P.mul = function (o) { return mul(this, o); };
P.div = function (o) { return div(this, o); };
P.pow = function (e) { return pow(this, e); };
P.maximum = function (o) { return maximum(this, o); };
P.minimum = function (o) { return minimum(this, o); };
P.remainder = function (o) { return remainder(this, o); };
P.eq = function (o) { return eq(this, o); };
P.ne = function (o) { return ne(this, o); };
P.lt = function (o) { return lt(this, o); };
P.le = function (o) { return le(this, o); };
P.gt = function (o) { return gt(this, o); };
P.ge = function (o) { return ge(this, o); };
P.logicalAnd = function (o) { return logicalAnd(this, o); };
P.logicalOr = function (o) { return logicalOr(this, o); };
P.logicalXor = function (o) { return logicalXor(this, o); };
P.logicalNot = function () { return logicalNot(this); };
for (const name of ["neg", "abs", "sign", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tanh", "sigmoid", "relu", "silu", "softplus", "erf", "floor", "ceil", "round", "trunc", "isnan", "isinf"] as const) {
  P[name] = function (this: Tensor) { return unaryOp(name, this); };
}
P.leakyRelu = function (s) { return leakyRelu(this, s); };
P.elu = function (a) { return elu(this, a); };
P.gelu = function (a) { return gelu(this, a); };
P.clamp = function (min, max) { return clamp(this, min, max); };
P.maskedFill = function (m, v) { return maskedFill(this, m, v); };
P.where = function (c, o) { return where(c, this, o); };
P.clone = function () { return clone(this); };
P.to = function (d) {
  if (d === "cpu" || d === "cuda") return toDevice(this, d);
  return cast(this, d);
};
P.float = function () { return cast(this, "float32"); };
P.bfloat16 = function () { return cast(this, "bfloat16"); };
P.half = function () { return cast(this, "float16"); };
P.int = function () { return cast(this, "int32"); };
P.bool = function () { return cast(this, "bool"); };
