/** Element types. float16/bfloat16 are reserved for the CUDA backend. */
export type DType = "float32" | "int32" | "bool";

export type TypedArray = Float32Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ["float32", "int32", "bool"];

/** A dtype's number (its index in DTYPES), for native addons and numeric keys. */
export const DTYPE_CODE: Readonly<Record<DType, number>> = { float32: 0, int32: 1, bool: 2 };

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
  }
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Int32Array) return "int32";
  return "bool";
}

/** The dtype two operands promote to (PyTorch's rules for our three types). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === "float32" || b === "float32") return "float32";
  return "int32";
}

export function bytesPerElement(dtype: DType): number {
  return dtype === "bool" ? 1 : 4;
}
