import type { Backend } from "./backend.js";
import type { Storage } from "./storage.js";
import { isHalf } from "../tensor/dtype.js";

/**
 * Every kernel of the contract that computes (the memory methods alloc … copyStrided are excluded: each
 * backend moves and converts 16-bit floats itself).
 */
const COMPUTE_KERNELS = [
  "unary", "unaryGrad", "binary", "binaryScalar", "where", "reduce", "argReduce", "cumsum", "sort", "matmul", "matmulStrided",
  "gather", "scatterAdd", "indexSelect", "indexAdd", "softmax", "softmaxGrad", "layerNorm", "layerNormGrad", "im2col", "col2im",
  "maxPool2d", "maxPool2dGrad", "avgPool2d", "avgPool2dGrad", "adaptiveAvgPool2d", "adaptiveAvgPool2dGrad", "adamStep",
  "causalSoftmax", "causalSoftmaxGrad", "crossEntropy", "crossEntropyGrad", "flashAttention", "flashAttentionGrad",
  "conv2d", "conv2dGradInput", "conv2dGradWeight",
] as const satisfies readonly (keyof Backend)[];

const installed = new WeakSet<Backend>();

function isHalfStorage(a: unknown): a is Storage {
  return typeof a === "object" && a !== null && "refs" in a && "dtype" in a && isHalf((a as Storage).dtype);
}

/**
 * Lets every kernel of `b` take bfloat16/float16 storage. A kernel the backend does not list in
 * `halfKernels` is called on float32 copies of its half storages, which are then rounded back (to nearest
 * even). Rounding back an operand the kernel only read gives the same bits, so outputs need not be known.
 * This is PyTorch's "upcast, compute in float32, downcast" for ops without half kernels; the cost is two
 * casts per half operand, paid only by calls that have one. Idempotent.
 */
export function installHalfEmulation(b: Backend): void {
  if (installed.has(b)) return;
  installed.add(b);
  const native = b.halfKernels ?? new Set<string>();
  const methods = b as unknown as Record<string, unknown>;
  for (const name of COMPUTE_KERNELS) {
    const kernel = methods[name];
    if (native.has(name) || typeof kernel !== "function") continue;
    const run = kernel as (...args: unknown[]) => unknown;
    methods[name] = (...args: unknown[]): unknown => {
      for (let i = 0; i < args.length; i++) if (isHalfStorage(args[i])) return onFloat32Copies(b, run, args);
      return run.apply(b, args);
    };
  }
}

function onFloat32Copies(b: Backend, kernel: (...args: unknown[]) => unknown, args: unknown[]): unknown {
  // one copy per storage, so operands that share a buffer (q, k, v of a packed qkv) still share it
  const copies = new Map<Storage, Storage>();
  const call = args.map((a) => {
    if (!isHalfStorage(a)) return a;
    let c = copies.get(a);
    if (!c) {
      c = b.alloc("float32", a.size, false);
      b.cast(a, c);
      copies.set(a, c);
    }
    return c;
  });
  try {
    return kernel.apply(b, call);
  } finally {
    for (const [half, c] of copies) {
      b.cast(c, half);
      b.release(c);
    }
  }
}
