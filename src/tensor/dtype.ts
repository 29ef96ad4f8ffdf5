/**
 * Element types. bfloat16 and float16 are stored as 16-bit patterns (a Uint16Array on the host); they are
 * what autocast computes in. Every backend takes them: where a kernel has no half-precision version, the
 * backend's kernels run on float32 copies (src/backends/half-emulation.ts).
 */
export type DType = "float32" | "int32" | "bool" | "bfloat16" | "float16";

export type TypedArray = Float32Array | Int32Array | Uint8Array | Uint16Array;

export const DTYPES: readonly DType[] = ["float32", "int32", "bool", "bfloat16", "float16"];

/** A dtype's number (its index in DTYPES), for native addons and numeric keys. */
export const DTYPE_CODE: Readonly<Record<DType, number>> = { float32: 0, int32: 1, bool: 2, bfloat16: 3, float16: 4 };

/** Whether values of this dtype are floating point (and so may require grad). */
export function isFloatingPoint(dtype: DType): boolean {
  return dtype === "float32" || dtype === "bfloat16" || dtype === "float16";
}

/** Whether this dtype is one of the 16-bit floats. */
export function isHalf(dtype: DType): dtype is "bfloat16" | "float16" {
  return dtype === "bfloat16" || dtype === "float16";
}

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && (DTYPES as readonly string[]).includes(x);
}

export function typedArrayFor(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(size);
    case "int32":
      return new Int32Array(size);
    case "bool":
      return new Uint8Array(size);
    case "bfloat16":
    case "float16":
      return new Uint16Array(size);
  }
}

/** The dtype a typed array holds; a Uint16Array of half-precision bits says nothing about which half, so it is refused. */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint16Array) throw new Error("a Uint16Array of 16-bit float bits needs its dtype named: bfloat16 or float16");
  return "bool";
}

/** The dtype two operands promote to (PyTorch's rules): float32 wins; bfloat16 with float16 is float32; a half with an integer stays half. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === "float32" || b === "float32") return "float32";
  if (isHalf(a) && isHalf(b)) return "float32";
  if (isHalf(a)) return a;
  if (isHalf(b)) return b;
  return "int32";
}

export function bytesPerElement(dtype: DType): number {
  return dtype === "bool" ? 1 : isHalf(dtype) ? 2 : 4;
}
