import type { BinaryOp, UnaryOp, UnaryParams } from "../backend.js";
import { hostData, type Storage } from "../storage.js";
import { forEachStrided3, isAllZero, isContiguous } from "./strided.js";

const SQRT1_2 = Math.SQRT1_2;
const GELU_C = Math.sqrt(2 / Math.PI);

/** erf to ~1e-7 absolute error, plenty for float32. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 0.5) {
    // Maclaurin series through x^13: truncation error < 5e-10 for |x| < 0.5
    const x2 = x * x;
    return x * (1.1283791670955126 + x2 * (-0.37612638903183754 + x2 * (0.11283791670955126 + x2 * (-0.026866170645131252 + x2 * (0.005223977625442188 + x2 * (-0.0008548327023450852 + x2 * 0.00012055332981789664))))));
  }
  if (!(ax < Infinity)) return Number.isNaN(x) ? NaN : Math.sign(x);
  const t = 1 / (1 + 0.5 * ax);
  // Numerical Recipes erfc approximation, fractional error < 1.2e-7.
  const y = t * Math.exp(-ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - y : y - 1;
}

type Fn = (x: number, p: UnaryParams) => number;
type GradFn = (x: number, y: number, p: UnaryParams) => number;

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number): number => (x > 20 ? x : x < -20 ? Math.exp(x) : Math.log1p(Math.exp(x)));

export const UNARY: Record<UnaryOp, Fn> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : Number.isNaN(x) ? NaN : 0),
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid,
  relu: (x) => (x <= 0 ? 0 : x), // NaN propagates, as in PyTorch
  leakyRelu: (x, p) => (x > 0 ? x : x * (p.alpha ?? 0.01)),
  elu: (x, p) => (x > 0 ? x : (p.alpha ?? 1) * Math.expm1(x)),
  gelu: (x) => 0.5 * x * (1 + erf(x * SQRT1_2)),
  geluTanh: (x) => 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x))),
  silu: (x) => x * sigmoid(x),
  softplus,
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: (x) => {
    // round half to even, as PyTorch does
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  trunc: Math.trunc,
  clamp: (x, p) => Math.min(Math.max(x, p.min ?? -Infinity), p.max ?? Infinity),
  powScalar: (x, p) => pow(x, p.exponent ?? 1),
  logicalNot: (x) => (x !== 0 ? 0 : 1), // NaN counts as true (non-zero), as in PyTorch
  isnan: (x) => (Number.isNaN(x) ? 1 : 0),
  isinf: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
};

const zeroGrad: GradFn = () => 0;

/** d f(x)/dx, written in terms of x and y = f(x) where that is cheaper. */
export const UNARY_GRAD: Record<UnaryOp, GradFn> = {
  neg: () => -1,
  abs: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  sign: zeroGrad,
  exp: (_x, y) => y,
  expm1: (_x, y) => y + 1,
  log: (x) => 1 / x,
  log1p: (x) => 1 / (1 + x),
  sqrt: (_x, y) => 0.5 / y,
  rsqrt: (x, y) => -0.5 * y / x,
  square: (x) => 2 * x,
  reciprocal: (_x, y) => -y * y,
  sin: Math.cos,
  cos: (x) => -Math.sin(x),
  tanh: (_x, y) => 1 - y * y,
  sigmoid: (_x, y) => y * (1 - y),
  relu: (x) => (x > 0 ? 1 : 0),
  leakyRelu: (x, _y, p) => (x > 0 ? 1 : (p.alpha ?? 0.01)),
  elu: (x, y, p) => (x > 0 ? 1 : y + (p.alpha ?? 1)),
  gelu: (x) => {
    const cdf = 0.5 * (1 + erf(x * SQRT1_2));
    const pdf = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    return cdf + x * pdf;
  },
  geluTanh: (x) => {
    const u = GELU_C * (x + 0.044715 * x * x * x);
    const t = Math.tanh(u);
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x * x);
  },
  silu: (x) => {
    const s = sigmoid(x);
    return s * (1 + x * (1 - s));
  },
  softplus: (x) => sigmoid(x),
  erf: (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x),
  floor: zeroGrad,
  ceil: zeroGrad,
  round: zeroGrad,
  trunc: zeroGrad,
  clamp: (x, _y, p) => (x >= (p.min ?? -Infinity) && x <= (p.max ?? Infinity) ? 1 : 0),
  powScalar: (x, _y, p) => {
    const e = p.exponent ?? 1;
    return e === 0 ? 0 : e * Math.pow(x, e - 1);
  },
  logicalNot: zeroGrad,
  isnan: zeroGrad,
  isinf: zeroGrad,
};

export function unary(op: UnaryOp, x: Storage, out: Storage, n: number, p: UnaryParams = {}): void {
  const a = hostData(x);
  const o = hostData(out);
  const f = UNARY[op];
  for (let i = 0; i < n; i++) o[i] = f(a[i], p);
}

export function unaryGrad(op: UnaryOp, x: Storage, y: Storage, gy: Storage, gx: Storage, n: number, p: UnaryParams = {}): void {
  const a = hostData(x);
  const b = hostData(y);
  const g = hostData(gy);
  const o = hostData(gx);
  const f = UNARY_GRAD[op];
  for (let i = 0; i < n; i++) o[i] = g[i] * f(a[i], b[i], p);
}

type Bin = (a: number, b: number) => number;

function remainder(a: number, b: number): number {
  // Python/PyTorch semantics: result has the sign of the divisor
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

/** C's pow: unlike Math.pow, 1^y = 1 and (−1)^±∞ = 1 even for NaN/∞ exponents. */
function pow(a: number, b: number): number {
  if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1;
  return Math.pow(a, b);
}

const truthy = (v: number): boolean => v !== 0; // NaN is non-zero, so true

export const BINARY: Record<BinaryOp, Bin> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b),
  atan2: Math.atan2,
  remainder,
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  logicalAnd: (a, b) => (truthy(a) && truthy(b) ? 1 : 0),
  logicalOr: (a, b) => (truthy(a) || truthy(b) ? 1 : 0),
  logicalXor: (a, b) => (truthy(a) !== truthy(b) ? 1 : 0),
};

export function binary(op: BinaryOp, a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], out: Storage, shape: readonly number[]): void {
  const x = hostData(a);
  const y = hostData(b);
  const o = hostData(out);
  const f = BINARY[op];
  const n = o.length;
  const intDiv = op === "div" && out.dtype === "int32";
  if (isContiguous(shape, aStrides) && isContiguous(shape, bStrides)) {
    if (op === "add") for (let i = 0; i < n; i++) o[i] = x[i] + y[i];
    else if (op === "mul") for (let i = 0; i < n; i++) o[i] = x[i] * y[i];
    else if (op === "sub") for (let i = 0; i < n; i++) o[i] = x[i] - y[i];
    else for (let i = 0; i < n; i++) o[i] = f(x[i], y[i]);
  } else if (isContiguous(shape, aStrides) && isAllZero(bStrides)) {
    const s = y[0];
    for (let i = 0; i < n; i++) o[i] = f(x[i], s);
  } else {
    const zeros = new Array<number>(shape.length).fill(0);
    forEachStrided3(shape, aStrides, bStrides, zeros, 0, 0, 0, (i, j, _k, l) => {
      o[l] = f(x[i], y[j]);
    });
  }
  if (intDiv) for (let i = 0; i < n; i++) o[i] = Math.trunc(o[i]);
}

export function binaryScalar(op: BinaryOp, a: Storage, s: number, out: Storage, n: number, reversed: boolean): void {
  const x = hostData(a);
  const o = hostData(out);
  if (!reversed && op === "mul") for (let i = 0; i < n; i++) o[i] = x[i] * s;
  else if (!reversed && op === "add") for (let i = 0; i < n; i++) o[i] = x[i] + s;
  else {
    const f = BINARY[op];
    if (reversed) for (let i = 0; i < n; i++) o[i] = f(s, x[i]);
    else for (let i = 0; i < n; i++) o[i] = f(x[i], s);
  }
}

export function where(cond: Storage, cStrides: readonly number[], a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], out: Storage, shape: readonly number[]): void {
  const c = hostData(cond);
  const x = hostData(a);
  const y = hostData(b);
  const o = hostData(out);
  forEachStrided3(shape, cStrides, aStrides, bStrides, 0, 0, 0, (i, j, k, l) => {
    o[l] = c[i] ? x[j] : y[k];
  });
}
