import { COMPARISON_OPS, type BinaryOp, type UnaryOp, type UnaryParams } from "../../backends/backend.js";
import { record } from "../../autograd/record.js";
import { empty } from "../alloc.js";
import { promoteTypes, type DType } from "../dtype.js";
import type { Device } from "../../backends/storage.js";
import { broadcastShapes, broadcastStrides, contiguousStrides, ShapeError, shapeEquals, fmtShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { sumTo } from "./reduce.js";

export type TensorLike = Tensor | number;

function sameDevice(op: string, a: Tensor, b: Tensor): void {
  if (a.device !== b.device) throw new ShapeError(op, `tensors are on different devices (${a.device} and ${b.device})`);
}

/** Converts dtype (a copy, even when the dtype is unchanged). Gradients flow through float→float only. */
export function cast(x: Tensor, dtype: DType): Tensor {
  const out = empty(x.shape, dtype, x.device);
  x.backend.cast(x.storage, out.storage);
  if (dtype !== "float32" || x.dtype !== "float32") return out;
  return record("cast", out, [x], (g) => [g]);
}

function floatInput(op: string, x: Tensor): Tensor {
  if (x.dtype === "float32") return x;
  if (op === "neg" || op === "abs" || op === "sign" || op === "square" || op === "clamp" || op === "logicalNot") return x;
  return cast(x, "float32");
}

/** Applies a unary kernel, recording its backward through the backend's unaryGrad kernel. */
export function unaryOp(op: UnaryOp, x: Tensor, p: UnaryParams = {}): Tensor {
  const input = floatInput(op, x);
  const outDtype: DType = op === "logicalNot" || op === "isnan" || op === "isinf" ? "bool" : input.dtype;
  const out = empty(input.shape, outDtype, input.device);
  input.backend.unary(op, input.storage, out.storage, input.size, p);
  if (input !== x && !x.requiresGrad) input.dispose();
  if (outDtype !== "float32") return out;
  return record(op, out, [input], (g) => {
    const gx = empty(input.shape, "float32", input.device);
    input.backend.unaryGrad(op, input.storage, out.storage, g.storage, gx.storage, input.size, p);
    return [gx];
  });
}

function scalarTensor(v: number, like: Tensor): Tensor {
  const dtype: DType = like.dtype === "float32" || !Number.isInteger(v) ? "float32" : like.dtype === "bool" ? "int32" : like.dtype;
  const t = empty([], dtype, like.device);
  t.backend.fill(t.storage, v);
  return t;
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
    if (!isCmp && t.dtype !== "float32" && !Number.isInteger(s)) return binaryOp(op, reversed ? s : cast(t, "float32"), reversed ? cast(t, "float32") : s);
    const outDtype: DType = isCmp ? "bool" : op === "div" || op === "pow" && s < 0 ? "float32" : t.dtype === "bool" ? "int32" : t.dtype;
    const input = outDtype === "float32" && t.dtype !== "float32" ? cast(t, "float32") : t;
    const out = empty(t.shape, outDtype, t.device);
    t.backend.binaryScalar(op, input.storage, s, out.storage, t.size, reversed);
    if (isCmp || outDtype !== "float32") return out;
    return record(op, out, [input], (g) => [scalarGrad(op, input, out, g, s, reversed)]);
  }
  sameDevice(op, a, b);
  const shape = broadcastShapes(op, a.shape, b.shape);
  let dtype = promoteTypes(a.dtype, b.dtype);
  if (dtype === "bool" && !isCmp) dtype = "int32";
  if (op === "div" || op === "atan2") dtype = "float32";
  const x = a.dtype === dtype || isCmp ? a : cast(a, dtype);
  const y = b.dtype === dtype || isCmp ? b : cast(b, dtype);
  const out = empty(shape, isCmp ? "bool" : dtype, a.device);
  a.backend.binary(op, x.storage, broadcastStrides(x.shape, shape), y.storage, broadcastStrides(y.shape, shape), out.storage, shape);
  if (isCmp || dtype !== "float32") return out;
  return record(op, out, [x, y], (g) => binaryGrads(op, x, y, out, g));
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
      // d/da = b·a^(b−1) = b·out/a; d/db = out·ln a (0 where a = 0)
      return [
        ga ? sumTo(mul(g, mul(b, binaryOp("pow", a, sub(b, 1)))), a.shape) : null,
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
      return reversed ? mul(g, mul(out, Math.log(s))) : mul(g, mul(unaryOp("powScalar", x, { exponent: s - 1 }), s));
    case "maximum":
    case "minimum": {
      const w = add(cast(binaryOp(op === "maximum" ? "gt" : "lt", x, s), "float32"), mul(cast(binaryOp("eq", x, s), "float32"), 0.5));
      return mul(g, w);
    }
    case "remainder":
      return reversed ? neg(mul(g, unaryOp("floor", div(s, x)))) : g;
    case "atan2": {
      const denom = reversed ? add(mul(x, x), s * s) : add(mul(x, x), s * s);
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

/** x^e; a number exponent uses the fused scalar kernel. */
export function pow(x: TensorLike, e: TensorLike): Tensor {
  if (x instanceof Tensor && typeof e === "number") {
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
  return unaryOp("clamp", x, { min, max });
}

/** Elementwise select: cond ? a : b, broadcasting all three. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const like = cond;
  const x = typeof a === "number" ? scalarTensor(a, typeof b === "number" ? tensorLikeFloat(like) : b) : a;
  const y = typeof b === "number" ? scalarTensor(b, x) : b;
  sameDevice("where", x, y);
  const shape = broadcastShapes("where", broadcastShapes("where", cond.shape, x.shape), y.shape);
  const dtype = promoteTypes(x.dtype, y.dtype);
  const xa = x.dtype === dtype ? x : cast(x, dtype);
  const ya = y.dtype === dtype ? y : cast(y, dtype);
  const out = empty(shape, dtype, cond.device);
  cond.backend.where(cond.storage, broadcastStrides(cond.shape, shape), xa.storage, broadcastStrides(xa.shape, shape), ya.storage, broadcastStrides(ya.shape, shape), out.storage, shape);
  if (dtype !== "float32") return out;
  return record("where", out, [xa, ya], (g) => [
    xa.requiresGrad ? sumTo(where(cond, g, 0), xa.shape) : null,
    ya.requiresGrad ? sumTo(where(cond, 0, g), ya.shape) : null,
  ]);
}

function tensorLikeFloat(like: Tensor): Tensor {
  return like.dtype === "float32" ? like : empty([], "float32", like.device);
}

/** x with `value` where mask is true (mask broadcasts to x). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (mask.dtype !== "bool") throw new ShapeError("maskedFill", `mask must be bool, got ${mask.dtype}`);
  const shape = broadcastShapes("maskedFill", x.shape, mask.shape);
  if (!shapeEquals(shape, x.shape)) throw new ShapeError("maskedFill", `mask ${fmtShape(mask.shape)} does not broadcast to ${fmtShape(x.shape)}`);
  return where(mask, value, x);
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
  if (d === "cpu" || d === "cuda") {
    if (d === this.device) return this;
    throw new Error(`to: moving tensors to "${d}" needs the ${d} backend, which is not loaded`);
  }
  return cast(this, d);
};
P.float = function () { return cast(this, "float32"); };
P.int = function () { return cast(this, "int32"); };
P.bool = function () { return cast(this, "bool"); };
