// Weight initialisation (torch.nn.init): in-place fills, run under noGrad so they work on parameters.
// Random values are drawn on the host from a Generator (the default one unless given), so a seed
// gives the same weights on every backend.
import { noGrad } from "../autograd/grad-mode.js";
import { tensor } from "../tensor/creation.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { fmtShape, numel, type Shape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

/** Nonlinearities `calculateGain` knows (PyTorch's names in camelCase). */
export type Nonlinearity =
  | "linear" | "conv1d" | "conv2d" | "conv3d" | "convTranspose1d" | "convTranspose2d" | "convTranspose3d"
  | "sigmoid" | "tanh" | "relu" | "leakyRelu" | "selu";

/** Which fan a Kaiming init preserves: the forward pass's variance (fanIn) or the backward pass's (fanOut). */
export type FanMode = "fanIn" | "fanOut";

export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (used when nonlinearity is "leakyRelu"); default 0. */
  a?: number;
  mode?: FanMode;
  /** Default "leakyRelu" (with a = 0 that is plain ReLU's gain √2), as PyTorch. */
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain); `param` is leakyRelu's slope. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear": case "conv1d": case "conv2d": case "conv3d":
    case "convTranspose1d": case "convTranspose2d": case "convTranspose3d": case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leakyRelu": {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope)) throw new Error(`calculateGain: leakyRelu slope must be a finite number, got ${slope}`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      throw new Error(`calculateGain: unknown nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/**
 * Fan-in and fan-out of a weight shaped [out, in, *kernel] (Linear, Conv): in·∏kernel and
 * out·∏kernel, as PyTorch computes them (for a transposed conv's [in, out, *k] weight too).
 */
export function calculateFanInAndFanOut(t: Tensor | Shape): { fanIn: number; fanOut: number } {
  const shape = "shape" in t ? t.shape : t;
  if (shape.length < 2) throw new Error(`calculateFanInAndFanOut: needs a tensor with at least 2 dims, got ${fmtShape(shape)}`);
  const receptive = numel(shape.slice(2));
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

function checkFloat(op: string, t: Tensor): void {
  if (t.dtype !== "float32") throw new Error(`${op}: expects a float32 tensor, got ${t.dtype} ${fmtShape(t.shape)}`);
}

/** Copies host values into t (on its device) in place. */
function write(t: Tensor, values: Float32Array): Tensor {
  const src = tensor(values, { shape: t.shape, device: t.device });
  noGrad(() => t.copy_(src));
  src.dispose();
  return t;
}

/** Fills t with `value` in place. */
export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}

/** Fills t with zeros in place. */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fills t with ones in place. */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** Fills t with samples of N(mean, std²) in place. */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  checkFloat("normal_", t);
  if (!(std >= 0)) throw new Error(`normal_: std must be >= 0, got ${std}`);
  return write(t, generator.normal(t.size, mean, std));
}

/** Fills t with samples of U[a, b) in place. */
export function uniform_(t: Tensor, a = 0, b = 1, generator: Generator = defaultGenerator): Tensor {
  checkFloat("uniform_", t);
  if (!(b >= a)) throw new Error(`uniform_: needs a <= b, got a=${a}, b=${b}`);
  return write(t, generator.uniform(t.size, a, b));
}

/** Fills t with N(mean, std²) samples redrawn until they lie in [a, b] (a truncated normal). */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2, generator: Generator = defaultGenerator): Tensor {
  checkFloat("truncNormal_", t);
  if (!(b > a)) throw new Error(`truncNormal_: needs a < b, got a=${a}, b=${b}`);
  if (!(std > 0)) throw new Error(`truncNormal_: std must be > 0, got ${std}`);
  // Rejection is cheap while [a, b] holds a reasonable share of the mass; refuse hopeless bounds.
  const z = (x: number): number => (x - mean) / std;
  if (z(a) > 6 || z(b) < -6) throw new Error(`truncNormal_: [${a}, ${b}] lies more than 6 std from the mean ${mean}`);
  const out = new Float32Array(t.size);
  let filled = 0;
  for (let round = 0; filled < out.length; round++) {
    if (round === 1000) throw new Error(`truncNormal_: [${a}, ${b}] keeps too few samples of N(${mean}, ${std}²)`);
    const draw = generator.normal(Math.max(64, 2 * (out.length - filled)), mean, std);
    for (let i = 0; i < draw.length && filled < out.length; i++) if (draw[i] >= a && draw[i] <= b) out[filled++] = draw[i];
  }
  return write(t, out);
}

/** Glorot uniform: U(−g·√(6/(fanIn+fanOut)), +…), keeping activation variance through a layer. */
export function xavierUniform_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  checkFloat("xavierUniform_", t);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, generator);
}

/** Glorot normal: N(0, g²·2/(fanIn+fanOut)). */
export function xavierNormal_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  checkFloat("xavierNormal_", t);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), generator);
}

function kaimingStd(op: string, t: Tensor, opts: KaimingOptions): number {
  checkFloat(op, t);
  const mode = opts.mode ?? "fanIn";
  if (mode !== "fanIn" && mode !== "fanOut") throw new Error(`${op}: mode must be "fanIn" or "fanOut", got ${JSON.stringify(mode)}`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = mode === "fanIn" ? fanIn : fanOut;
  if (fan === 0) throw new Error(`${op}: ${mode} of ${fmtShape(t.shape)} is 0`);
  return calculateGain(opts.nonlinearity ?? "leakyRelu", opts.a ?? 0) / Math.sqrt(fan);
}

/** He uniform: U(−b, b) with b = gain·√(3/fan). With a = √5 this is PyTorch's Linear/Conv default, b = 1/√fanIn. */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  if (t.size === 0) return t;
  const bound = Math.sqrt(3) * kaimingStd("kaimingUniform_", t, opts);
  return uniform_(t, -bound, bound, opts.generator);
}

/** He normal: N(0, gain²/fan). */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  if (t.size === 0) return t;
  return normal_(t, 0, kaimingStd("kaimingNormal_", t, opts), opts.generator);
}

/**
 * A (semi-)orthogonal matrix times `gain` (Saxe et al.): t viewed as [rows, cols] gets orthonormal
 * rows or columns, whichever are fewer. The Q of a Householder QR of a Gaussian matrix, signs fixed
 * so R has a positive diagonal (making Q uniformly distributed), as PyTorch does.
 */
export function orthogonal_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  checkFloat("orthogonal_", t);
  if (t.ndim < 2) throw new Error(`orthogonal_: needs a tensor with at least 2 dims, got ${fmtShape(t.shape)}`);
  if (t.size === 0) return t;
  const rows = t.shape[0];
  const cols = t.size / rows;
  const g = generator.normal(rows * cols);
  // work on a tall m×n matrix (m ≥ n); a wide one is done transposed
  const tall = rows >= cols;
  const [m, n] = tall ? [rows, cols] : [cols, rows];
  const a = new Float64Array(m * n);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a[tall ? i * n + j : j * n + i] = g[i * cols + j];
  const q = householderQ(a, m, n);
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = gain * (tall ? q[i * n + j] : q[j * n + i]);
  return write(t, out);
}

/** The thin Q (m×n, row-major) of A = QR for a tall A (overwritten), with diag(R) made positive. */
function householderQ(a: Float64Array, m: number, n: number): Float64Array {
  const vs: Float64Array[] = [];
  const rDiag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += a[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    const alpha = a[k * n + k] > 0 ? -norm : norm;
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = a[i * n + k];
    v[0] -= alpha;
    let vn = 0;
    for (const x of v) vn += x * x;
    vn = Math.sqrt(vn);
    if (vn > 0) for (let i = 0; i < v.length; i++) v[i] /= vn;
    // A[k:, k:] -= 2 v (vᵀ A[k:, k:])
    for (let j = k; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * a[i * n + j];
      for (let i = k; i < m; i++) a[i * n + j] -= 2 * v[i - k] * dot;
    }
    rDiag[k] = a[k * n + k];
    vs.push(v);
  }
  // Q = H_0 · H_1 ⋯ H_{n−1} applied to the first n columns of the identity
  const q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * q[i * n + j];
      for (let i = k; i < m; i++) q[i * n + j] -= 2 * v[i - k] * dot;
    }
  }
  for (let j = 0; j < n; j++) {
    if (rDiag[j] < 0) for (let i = 0; i < m; i++) q[i * n + j] = -q[i * n + j];
  }
  return q;
}
