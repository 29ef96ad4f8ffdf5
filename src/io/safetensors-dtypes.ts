// The safetensors element types: their sizes, and how each one's bytes become an ingot typed array.
// Files are little-endian; on a little-endian host aligned data is viewed, not copied (tensor() copies
// on upload anyway).
import type { DType, TypedArray } from "../tensor/dtype.js";

/** Every dtype name the safetensors format defines that ingot can read. */
export type SafetensorsDType = "BOOL" | "U8" | "I8" | "I16" | "U16" | "F16" | "BF16" | "I32" | "U32" | "F32" | "F64" | "I64" | "U64";

/** Raised inside a decoder; the caller prefixes the source and tensor name. */
export class DecodeError extends Error {}

interface DTypeInfo {
  /** Bytes per element. */
  size: number;
  /** The ingot dtype the values load as. */
  dtype: DType;
  /** Reads n elements from exactly n * size bytes. */
  decode(bytes: Uint8Array, n: number): TypedArray;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes as a buffer and offset that typed arrays of `size`-byte elements can view in host order. */
function hostOrder(bytes: Uint8Array, size: number): { buffer: ArrayBufferLike; offset: number } {
  if (LITTLE_ENDIAN && bytes.byteOffset % size === 0) return { buffer: bytes.buffer, offset: bytes.byteOffset };
  const copy = new Uint8Array(bytes); // a copy (Buffer.slice would be a view)
  if (!LITTLE_ENDIAN) for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
  return { buffer: copy.buffer, offset: 0 };
}

function f32View(bytes: Uint8Array, n: number): Float32Array {
  const { buffer, offset } = hostOrder(bytes, 4);
  return new Float32Array(buffer, offset, n);
}

function i32View(bytes: Uint8Array, n: number): Int32Array {
  const { buffer, offset } = hostOrder(bytes, 4);
  return new Int32Array(buffer, offset, n);
}

function u16View(bytes: Uint8Array, n: number): Uint16Array {
  const { buffer, offset } = hostOrder(bytes, 2);
  return new Uint16Array(buffer, offset, n);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

let halfTable: Float32Array | null = null;

/** All 65536 float16 values as float32, built on first use: one lookup per element afterwards. */
function halfToFloatTable(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

/** 64-bit integers narrowed to int32, refusing any value that int32 cannot hold exactly. */
function int64ToInt32(bytes: Uint8Array, n: number, signed: boolean): Int32Array {
  const words = i32View(bytes, 2 * n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i];
    const hi = words[2 * i + 1];
    const fits = signed ? hi === lo >> 31 : hi === 0 && lo >= 0;
    if (!fits) {
      const dv = new DataView(bytes.buffer, bytes.byteOffset + 8 * i, 8);
      const value = signed ? dv.getBigInt64(0, true) : dv.getBigUint64(0, true);
      throw new DecodeError(`${signed ? "I64" : "U64"} value ${value} at index ${i} does not fit in int32`);
    }
    out[i] = lo;
  }
  return out;
}

const DTYPES: Readonly<Record<SafetensorsDType, DTypeInfo>> = {
  F32: { size: 4, dtype: "float32", decode: f32View },
  I32: { size: 4, dtype: "int32", decode: i32View },
  BOOL: {
    size: 1,
    dtype: "bool",
    decode(bytes, n) {
      for (let i = 0; i < n; i++) if (bytes[i] > 1) throw new DecodeError(`BOOL byte at index ${i} is ${bytes[i]}, expected 0 or 1`);
      return bytes.subarray(0, n);
    },
  },
  F16: {
    size: 2,
    dtype: "float32",
    decode(bytes, n) {
      const src = u16View(bytes, n);
      const table = halfToFloatTable();
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = table[src[i]];
      return out;
    },
  },
  BF16: {
    size: 2,
    dtype: "float32",
    decode(bytes, n) {
      // bfloat16 is the top half of a float32: shifting the bits is exact, NaN payloads included
      const src = u16View(bytes, n);
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = src[i] << 16;
      return new Float32Array(out.buffer);
    },
  },
  F64: {
    size: 8,
    dtype: "float32",
    decode(bytes, n) {
      const { buffer, offset } = hostOrder(bytes, 8);
      return new Float32Array(new Float64Array(buffer, offset, n)); // rounds to nearest, as torch's .float()
    },
  },
  I64: { size: 8, dtype: "int32", decode: (bytes, n) => int64ToInt32(bytes, n, true) },
  U64: { size: 8, dtype: "int32", decode: (bytes, n) => int64ToInt32(bytes, n, false) },
  U32: {
    size: 4,
    dtype: "int32",
    decode(bytes, n) {
      const src = i32View(bytes, n);
      for (let i = 0; i < n; i++) if (src[i] < 0) throw new DecodeError(`U32 value ${src[i] >>> 0} at index ${i} does not fit in int32`);
      return src;
    },
  },
  I8: { size: 1, dtype: "int32", decode: (bytes, n) => Int32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, n)) },
  U8: { size: 1, dtype: "int32", decode: (bytes, n) => Int32Array.from(bytes.subarray(0, n)) },
  I16: {
    size: 2,
    dtype: "int32",
    decode(bytes, n) {
      const { buffer, offset } = hostOrder(bytes, 2);
      return Int32Array.from(new Int16Array(buffer, offset, n));
    },
  },
  U16: { size: 2, dtype: "int32", decode: (bytes, n) => Int32Array.from(u16View(bytes, n)) },
};

/** Dtypes the format defines that ingot cannot load (8-bit and smaller floats, complex). */
const UNSUPPORTED = new Set(["F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64"]);

export function isSafetensorsDType(name: string): name is SafetensorsDType {
  return Object.hasOwn(DTYPES, name);
}

export function isUnsupportedDType(name: string): boolean {
  return UNSUPPORTED.has(name);
}

export function dtypeInfo(name: SafetensorsDType): DTypeInfo {
  return DTYPES[name];
}

/** The safetensors dtype an ingot dtype is written as. */
export const WRITE_DTYPE: Readonly<Record<DType, SafetensorsDType>> = { float32: "F32", int32: "I32", bool: "BOOL", bfloat16: "BF16", float16: "F16" };

/** A typed array's bytes in little-endian order (a view on little-endian hosts). */
export function littleEndianBytes(data: TypedArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return bytes;
  const copy = new Uint8Array(bytes); // a copy (Buffer.slice would be a view)
  for (let i = 0; i < copy.length; i += data.BYTES_PER_ELEMENT) copy.subarray(i, i + data.BYTES_PER_ELEMENT).reverse();
  return copy;
}
