// Writes GGUF v3 files (little-endian): header, metadata, tensor infos, then aligned tensor data, through
// writeFileAtomic so a reader never sees half a model.
import type { FileHandle } from "node:fs/promises";
import { writeAll, writeFileAtomic } from "../../io/atomic.js";
import { GgufError } from "./errors.js";
import { float32ToFloat16Bits } from "./half.js";
import { GGML_TYPES_BY_NAME, GGUF_VALUE_TYPE_IDS, type GgufScalar, type GgufScalarType, type GgufTypedValue, type GgufValue } from "./types.js";

/** One tensor to write. `shape` is row-major (PyTorch order); GGUF stores it innermost-first. */
export interface GgufTensorInput {
  name: string;
  shape: readonly number[];
  type: "F32" | "F16";
  /** Row-major values; converted to half precision when `type` is F16. */
  data: Float32Array;
}

/** What a GGUF file holds. */
export interface GgufWriteInput {
  metadata: Record<string, GgufValue>;
  tensors: GgufTensorInput[];
}

/** Default alignment of tensor data (GGUF's `general.alignment` when absent). */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Grows a byte buffer as little-endian values are appended. */
class ByteBuilder {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void { this.reserve(1); this.view.setUint8(this.length, v); this.length += 1; }
  i8(v: number): void { this.reserve(1); this.view.setInt8(this.length, v); this.length += 1; }
  u16(v: number): void { this.reserve(2); this.view.setUint16(this.length, v, true); this.length += 2; }
  i16(v: number): void { this.reserve(2); this.view.setInt16(this.length, v, true); this.length += 2; }
  u32(v: number): void { this.reserve(4); this.view.setUint32(this.length, v, true); this.length += 4; }
  i32(v: number): void { this.reserve(4); this.view.setInt32(this.length, v, true); this.length += 4; }
  f32(v: number): void { this.reserve(4); this.view.setFloat32(this.length, v, true); this.length += 4; }
  f64(v: number): void { this.reserve(8); this.view.setFloat64(this.length, v, true); this.length += 8; }
  u64(v: bigint): void { this.reserve(8); this.view.setBigUint64(this.length, v, true); this.length += 8; }
  i64(v: bigint): void { this.reserve(8); this.view.setBigInt64(this.length, v, true); this.length += 8; }
  bytes(b: Uint8Array): void { this.reserve(b.length); this.buf.set(b, this.length); this.length += b.length; }
  string(s: string): void { const b = Buffer.from(s, "utf8"); this.u64(BigInt(b.length)); this.bytes(b); }
  pad(alignment: number): void { while (this.length % alignment !== 0) this.u8(0); }
  result(): Uint8Array { return this.buf.subarray(0, this.length); }
}

function inferType(v: GgufScalar): GgufScalarType {
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "bigint") return "i64";
  if (Number.isInteger(v)) return v < 0 ? "i32" : "u32";
  return "f32";
}

/** A metadata value with its wire type made explicit. */
export function toTypedValue(v: GgufValue): GgufTypedValue {
  if (Array.isArray(v)) {
    const itemType = v.length === 0 ? "u32" : inferType(v[0]);
    return { type: "array", itemType, value: v };
  }
  if (typeof v === "object") return v;
  return { type: inferType(v), value: v };
}

function writeScalar(out: ByteBuilder, key: string, type: GgufScalarType, v: unknown): void {
  const bad = (): never => { throw new GgufError("writeGguf", `metadata ${key}: ${JSON.stringify(String(v))} is not a valid ${type}`); };
  const num = (lo: number, hi: number, int: boolean): number => {
    if (typeof v !== "number" || Number.isNaN(v) || (int && (!Number.isInteger(v) || v < lo || v > hi))) bad();
    return v as number;
  };
  const big = (lo: bigint, hi: bigint): bigint => {
    const b = typeof v === "bigint" ? v : typeof v === "number" && Number.isInteger(v) ? BigInt(v) : bad();
    if (b < lo || b > hi) bad();
    return b;
  };
  switch (type) {
    case "u8": return out.u8(num(0, 255, true));
    case "i8": return out.i8(num(-128, 127, true));
    case "u16": return out.u16(num(0, 65535, true));
    case "i16": return out.i16(num(-32768, 32767, true));
    case "u32": return out.u32(num(0, 2 ** 32 - 1, true));
    case "i32": return out.i32(num(-(2 ** 31), 2 ** 31 - 1, true));
    case "f32": return out.f32(num(0, 0, false));
    case "f64": return out.f64(num(0, 0, false));
    case "u64": return out.u64(big(0n, 2n ** 64n - 1n));
    case "i64": return out.i64(big(-(2n ** 63n), 2n ** 63n - 1n));
    case "bool": return typeof v === "boolean" ? out.u8(v ? 1 : 0) : bad();
    case "string": return typeof v === "string" ? out.string(v) : bad();
  }
}

function writeValue(out: ByteBuilder, key: string, tv: GgufTypedValue, withType: boolean): void {
  if (withType) out.u32(GGUF_VALUE_TYPE_IDS[tv.type]);
  if (tv.type !== "array") return writeScalar(out, key, tv.type, tv.value);
  if (!Array.isArray(tv.value)) throw new GgufError("writeGguf", `metadata ${key}: an array value must be an array`);
  out.u32(GGUF_VALUE_TYPE_IDS[tv.itemType]);
  out.u64(BigInt(tv.value.length));
  for (const item of tv.value) {
    if (tv.itemType === "array") writeValue(out, key, toTypedValue(item as GgufValue), false); // items of an array of arrays carry no type tag
    else writeScalar(out, key, tv.itemType, item);
  }
}

function alignmentOf(metadata: Record<string, GgufValue>): number {
  const raw = metadata["general.alignment"];
  if (raw === undefined) return GGUF_DEFAULT_ALIGNMENT;
  const tv = toTypedValue(raw);
  const a = tv.value;
  if (tv.type !== "u32" || typeof a !== "number" || a <= 0 || (a & (a - 1)) !== 0) {
    throw new GgufError("writeGguf", `general.alignment must be a u32 power of two, got ${String(a)}`);
  }
  return a;
}

function tensorBytes(t: GgufTensorInput): Uint8Array {
  if (t.type === "F32") return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const half = new Uint16Array(t.data.length);
  for (let i = 0; i < half.length; i++) half[i] = float32ToFloat16Bits(t.data[i]);
  return new Uint8Array(half.buffer);
}

/** The header, metadata and tensor infos, padded to the alignment; and each tensor's data offset. */
function encodeHeader(input: GgufWriteInput, alignment: number): { header: Uint8Array; offsets: number[] } {
  const out = new ByteBuilder();
  out.bytes(Buffer.from("GGUF", "latin1"));
  out.u32(3);
  out.u64(BigInt(input.tensors.length));
  const keys = Object.keys(input.metadata);
  out.u64(BigInt(keys.length));
  for (const key of keys) {
    out.string(key);
    writeValue(out, key, toTypedValue(input.metadata[key]), true);
  }
  const names = new Set<string>();
  const offsets: number[] = [];
  let offset = 0;
  for (const t of input.tensors) {
    if (names.has(t.name)) throw new GgufError("writeGguf", `tensor ${t.name} appears twice`);
    names.add(t.name);
    if (t.shape.length < 1 || t.shape.length > 4 || t.shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new GgufError("writeGguf", `tensor ${t.name}: shape [${t.shape.join(", ")}] must have 1 to 4 positive dims`);
    }
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new GgufError("writeGguf", `tensor ${t.name}: shape [${t.shape.join(", ")}] holds ${n} values, data has ${t.data.length}`);
    const type = GGML_TYPES_BY_NAME.get(t.type);
    if (!type || (t.type !== "F32" && t.type !== "F16")) throw new GgufError("writeGguf", `tensor ${t.name}: type ${String(t.type)} is not F32 or F16`);
    out.string(t.name);
    out.u32(t.shape.length);
    for (let d = t.shape.length - 1; d >= 0; d--) out.u64(BigInt(t.shape[d])); // ggml's ne[0] is the innermost dim
    out.u32(type.id);
    out.u64(BigInt(offset));
    offsets.push(offset);
    offset += n * type.typeSize;
    offset = Math.ceil(offset / alignment) * alignment;
  }
  out.pad(alignment);
  return { header: out.result(), offsets };
}

/**
 * Writes a GGUF v3 file atomically. Tensor data starts at the header's end, each tensor aligned to
 * `general.alignment` (default 32). Errors name the metadata key or tensor at fault.
 */
export async function writeGguf(path: string, input: GgufWriteInput): Promise<void> {
  const alignment = alignmentOf(input.metadata);
  const { header } = encodeHeader(input, alignment);
  await writeFileAtomic(path, async (fh: FileHandle) => {
    await writeAll(fh, header);
    for (const t of input.tensors) {
      const bytes = tensorBytes(t);
      await writeAll(fh, bytes);
      const pad = (alignment - (bytes.length % alignment)) % alignment;
      if (pad > 0) await writeAll(fh, new Uint8Array(pad));
    }
  });
}
