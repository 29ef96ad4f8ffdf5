// The GGUF vocabulary shared by the writer and the reader: metadata value types, ggml tensor types with
// their block sizes (needed to size tensor data), and llama.cpp's file-type names.

/** A GGUF metadata value type, named after the wire type. */
export type GgufScalarType = "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "bool" | "string" | "u64" | "i64" | "f64";

/** A scalar as it is held in memory: 64-bit integers are bigints, other numbers are numbers. */
export type GgufScalar = number | bigint | string | boolean;

/** An element of a metadata array: a scalar or, for arrays of arrays, an array. */
export type GgufArrayItem = GgufScalar | GgufArrayItem[];

/** A metadata value with its exact wire type (what the reader returns; the writer accepts it too). */
export type GgufTypedValue =
  | { type: GgufScalarType; value: GgufScalar }
  | { type: "array"; itemType: GgufScalarType | "array"; value: GgufArrayItem[] };

/**
 * A metadata value for the writer. Typed values are written as given. Plain values are inferred:
 * string → string, boolean → bool, bigint → i64, integer number → u32 (i32 when negative), other
 * number → f32, array → array of the first element's inferred type. llama.cpp checks key types
 * strictly, so give a typed value wherever the inference would be wrong (e.g. `{ type: "f32", value: 10000 }`).
 */
export type GgufValue = GgufTypedValue | GgufScalar | GgufScalar[];

/** Wire ids of the metadata value types. */
export const GGUF_VALUE_TYPE_IDS: Readonly<Record<GgufScalarType | "array", number>> = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12,
};

/** Bytes of one scalar on the wire (strings are variable: 0 here). */
export const GGUF_SCALAR_BYTES: Readonly<Record<GgufScalarType, number>> = {
  u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, string: 0, u64: 8, i64: 8, f64: 8,
};

/** A ggml tensor type: id on the wire, elements per block and bytes per block. */
export interface GgmlTypeInfo {
  readonly name: string;
  readonly id: number;
  readonly blockSize: number;
  readonly typeSize: number;
}

const GGML_TYPE_LIST: GgmlTypeInfo[] = [
  ["F32", 0, 1, 4], ["F16", 1, 1, 2], ["Q4_0", 2, 32, 18], ["Q4_1", 3, 32, 20], ["Q5_0", 6, 32, 22],
  ["Q5_1", 7, 32, 24], ["Q8_0", 8, 32, 34], ["Q8_1", 9, 32, 36], ["Q2_K", 10, 256, 84], ["Q3_K", 11, 256, 110],
  ["Q4_K", 12, 256, 144], ["Q5_K", 13, 256, 176], ["Q6_K", 14, 256, 210], ["Q8_K", 15, 256, 292],
  ["IQ2_XXS", 16, 256, 66], ["IQ2_XS", 17, 256, 74], ["IQ3_XXS", 18, 256, 98], ["IQ1_S", 19, 256, 50],
  ["IQ4_NL", 20, 32, 18], ["IQ3_S", 21, 256, 110], ["IQ2_S", 22, 256, 82], ["IQ4_XS", 23, 256, 136],
  ["I8", 24, 1, 1], ["I16", 25, 1, 2], ["I32", 26, 1, 4], ["I64", 27, 1, 8], ["F64", 28, 1, 8],
  ["IQ1_M", 29, 256, 56], ["BF16", 30, 1, 2], ["TQ1_0", 34, 256, 54], ["TQ2_0", 35, 256, 66], ["MXFP4", 39, 32, 17],
].map(([name, id, blockSize, typeSize]) => ({ name, id, blockSize, typeSize }) as GgmlTypeInfo);

/** ggml tensor types by wire id (the ones whose block layout this reader knows). */
export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map(GGML_TYPE_LIST.map((t) => [t.id, t]));

/** ggml tensor types by name. */
export const GGML_TYPES_BY_NAME: ReadonlyMap<string, GgmlTypeInfo> = new Map(GGML_TYPE_LIST.map((t) => [t.name, t]));

const FILE_TYPES = [
  "F32", "F16", "Q4_0", "Q4_1", "Q4_1_SOME_F16", "Q4_2", "Q4_3", "Q8_0", "Q5_0", "Q5_1", "Q2_K", "Q3_K_S", "Q3_K_M",
  "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "IQ2_XXS", "IQ2_XS", "Q2_K_S", "IQ3_XS", "IQ3_XXS",
  "IQ1_S", "IQ4_NL", "IQ3_S", "IQ3_M", "IQ2_S", "IQ2_M", "IQ4_XS", "IQ1_M", "BF16", "Q4_0_4_4", "Q4_0_4_8",
  "Q4_0_8_8", "TQ1_0", "TQ2_0", "MXFP4_MOE",
];

/** llama.cpp's name for a `general.file_type` value (Q4_K_M, F16, ...), or `unknown(N)`. */
export function ggufFileTypeName(fileType: number): string {
  return FILE_TYPES[fileType] ?? `unknown(${fileType})`;
}

/** Bytes a tensor of `type` with `elements` elements occupies, or an error text. */
export function ggmlTensorBytes(type: GgmlTypeInfo, elements: bigint): bigint | string {
  const block = BigInt(type.blockSize);
  if (elements % block !== 0n) return `${elements} elements is not a multiple of the ${type.name} block size ${type.blockSize}`;
  return (elements / block) * BigInt(type.typeSize);
}

/** The plain JavaScript value of a metadata entry (arrays unwrapped recursively). */
export function ggufPlain(v: GgufTypedValue | undefined): GgufArrayItem | undefined {
  return v?.value;
}
