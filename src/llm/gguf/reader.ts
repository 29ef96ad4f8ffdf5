// Reads and validates a GGUF header (metadata and tensor infos) without trusting a single count,
// length or offset in it: every one is checked against the bytes that remain before anything is
// allocated, so a truncated or hostile file fails with a message naming the file, the offset and the
// problem instead of crashing llama.cpp or exhausting memory.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { GgufError } from "./errors.js";
import { GGML_TYPES, GGUF_SCALAR_BYTES, ggmlTensorBytes, type GgufArrayItem, type GgufScalar, type GgufScalarType, type GgufTypedValue } from "./types.js";
import { GGUF_DEFAULT_ALIGNMENT } from "./writer.js";

/** One tensor as the header describes it. */
export interface GgufTensorInfo {
  name: string;
  /** Row-major (PyTorch order): the reverse of ggml's ne. */
  shape: number[];
  /** ggml type name (F32, F16, Q4_K, ...). */
  type: string;
  /** Absolute byte offset of the tensor's data in the file. */
  offset: number;
  byteLength: number;
}

/** A validated GGUF header. */
export interface GgufHeader {
  version: number;
  metadata: Record<string, GgufTypedValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute offset where tensor data begins. */
  dataOffset: number;
  fileSize: number;
}

const TYPE_BY_ID: readonly (GgufScalarType | "array")[] = ["u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"];
const MAX_ARRAY_DEPTH = 3;
const MAX_DIMS = 4;
const WINDOW = 1 << 20;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Random access to the bytes being parsed: a file or a buffer. */
interface ByteSource {
  readonly size: number;
  read(pos: number, len: number): Uint8Array;
}

/** A forward cursor over a source that refuses to read past its end. */
class Cursor {
  pos = 0;
  private win: Uint8Array = new Uint8Array(0);
  private winStart = 0;
  private view = new DataView(this.win.buffer);

  constructor(private readonly src: ByteSource, private readonly name: string) {}

  fail(detail: string, at = this.pos): never {
    throw new GgufError(`${this.name} at byte ${at}`, detail);
  }

  get remaining(): number {
    return this.src.size - this.pos;
  }

  /** Makes `n` bytes at the cursor readable and returns their index in the window. */
  private take(n: number, what: string): number {
    if (n > this.remaining) this.fail(`truncated: ${what} needs ${n} bytes, the file has ${this.remaining} left`);
    if (this.pos < this.winStart || this.pos + n > this.winStart + this.win.length) {
      this.win = this.src.read(this.pos, Math.min(Math.max(n, WINDOW), this.remaining));
      this.winStart = this.pos;
      this.view = new DataView(this.win.buffer, this.win.byteOffset, this.win.byteLength);
    }
    const at = this.pos - this.winStart;
    this.pos += n;
    return at;
  }

  u32(what: string): number {
    const at = this.take(4, what); // take() may move the window: read the view after it
    return this.view.getUint32(at, true);
  }

  /** A u64 that must fit a JavaScript number (counts, lengths, offsets, dims). */
  size(what: string): number {
    const start = this.pos;
    const at = this.take(8, what);
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} ${v} is absurdly large`, start);
    return Number(v);
  }

  string(what: string): string {
    const start = this.pos;
    const len = this.size(`${what} length`);
    if (len > this.remaining) this.fail(`truncated: ${what} claims ${len} bytes, the file has ${this.remaining} left`, start);
    const at = this.take(len, what);
    try {
      return utf8.decode(this.win.subarray(at, at + len));
    } catch {
      return this.fail(`${what} is not valid UTF-8`, start);
    }
  }

  scalar(type: GgufScalarType, what: string): GgufScalar {
    if (type === "string") return this.string(what);
    const start = this.pos;
    const at = this.take(GGUF_SCALAR_BYTES[type], what); // take() may move the window: read the view after it
    const v = this.view;
    switch (type) {
      case "u8": return v.getUint8(at);
      case "i8": return v.getInt8(at);
      case "u16": return v.getUint16(at, true);
      case "i16": return v.getInt16(at, true);
      case "u32": return v.getUint32(at, true);
      case "i32": return v.getInt32(at, true);
      case "f32": return v.getFloat32(at, true);
      case "f64": return v.getFloat64(at, true);
      case "u64": return v.getBigUint64(at, true);
      case "i64": return v.getBigInt64(at, true);
      case "bool": {
        const b = v.getUint8(at);
        if (b > 1) this.fail(`${what}: bool byte is ${b}, not 0 or 1`, start);
        return b === 1;
      }
    }
  }

  valueType(what: string): GgufScalarType | "array" {
    const start = this.pos;
    const id = this.u32(what);
    const type = TYPE_BY_ID[id];
    if (type === undefined) this.fail(`${what} is ${id}, not a GGUF value type (0-12)`, start);
    return type;
  }

  value(type: GgufScalarType | "array", what: string, depth: number): GgufTypedValue {
    if (type !== "array") return { type, value: this.scalar(type, what) };
    const start = this.pos;
    if (depth >= MAX_ARRAY_DEPTH) this.fail(`${what}: arrays nested more than ${MAX_ARRAY_DEPTH} deep`);
    const itemType = this.valueType(`${what} item type`);
    const count = this.size(`${what} array length`);
    // the smallest encoding of one item: a string is at least its length, an array its type and count
    const minItem = itemType === "array" ? 12 : itemType === "string" ? 8 : GGUF_SCALAR_BYTES[itemType];
    if (count * minItem > this.remaining) {
      this.fail(`truncated or hostile: ${what} claims ${count} items of type ${itemType}, the file has ${this.remaining} bytes left`, start);
    }
    const items: GgufArrayItem[] = new Array<GgufArrayItem>(count);
    for (let i = 0; i < count; i++) {
      if (itemType === "array") {
        items[i] = this.value("array", `${what}[${i}]`, depth + 1).value; // an item is an untagged array
      } else {
        items[i] = this.scalar(itemType, `${what}[${i}]`);
      }
    }
    return { type: "array", itemType, value: items };
  }
}

/** Parses and validates a GGUF header from `src`; `name` labels error messages. */
function parse(src: ByteSource, name: string): GgufHeader {
  const c: Cursor = new Cursor(src, name); // typed so fail()'s never narrows
  if (src.size < 24) c.fail(`truncated: ${src.size} bytes is too short for a GGUF header (24 bytes)`, 0);
  const magic = c.u32("magic");
  if (magic !== 0x46554747) c.fail(`not a GGUF file (magic bytes are not "GGUF")`, 0);
  const version = c.u32("version");
  if (version !== 2 && version !== 3) c.fail(`GGUF version ${version} is not supported (2 or 3)`, 4);
  const tensorCount = c.size("tensor count");
  const kvCount = c.size("metadata count");
  // each entry needs at least a length-prefixed name, a type and a value
  if (kvCount * 13 > c.remaining) c.fail(`truncated or hostile: ${kvCount} metadata entries cannot fit in ${src.size} bytes`, 16);
  if (tensorCount * 32 > c.remaining) c.fail(`truncated or hostile: ${tensorCount} tensors cannot fit in ${src.size} bytes`, 8);

  const metadata: Record<string, GgufTypedValue> = Object.create(null) as Record<string, GgufTypedValue>;
  for (let i = 0; i < kvCount; i++) {
    const start = c.pos;
    const key = c.string(`metadata key #${i}`);
    if (key in metadata) c.fail(`metadata key ${key} appears twice`, start);
    const type = c.valueType(`type of ${key}`);
    metadata[key] = c.value(type, key, 0);
  }

  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const a = metadata["general.alignment"];
  if (a !== undefined) {
    if (a.type !== "u32" || typeof a.value !== "number" || a.value === 0 || (a.value & (a.value - 1)) !== 0) {
      c.fail(`general.alignment must be a u32 power of two, got ${a.type} ${String(a.value)}`);
    }
    alignment = a.value;
  }

  const raw: { name: string; shape: number[]; type: string; rel: number; bytes: number; at: number }[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const at = c.pos;
    const tname = c.string(`tensor #${i} name`);
    if (names.has(tname)) c.fail(`tensor ${tname} appears twice`, at);
    names.add(tname);
    const nDims = c.u32(`tensor ${tname} dim count`);
    if (nDims < 1 || nDims > MAX_DIMS) c.fail(`tensor ${tname} has ${nDims} dims (1 to ${MAX_DIMS} allowed)`, at);
    const ne: number[] = [];
    let elements = 1n;
    for (let d = 0; d < nDims; d++) {
      const n = c.size(`tensor ${tname} dim ${d}`);
      if (n === 0) c.fail(`tensor ${tname} has an empty dim ${d}`);
      ne.push(n);
      elements *= BigInt(n);
      if (elements > 1n << 50n) c.fail(`tensor ${tname} has an absurd element count`);
    }
    const typeAt = c.pos;
    const typeId = c.u32(`tensor ${tname} type`);
    const type = GGML_TYPES.get(typeId);
    if (!type) c.fail(`tensor ${tname} has unknown ggml type ${typeId}`, typeAt);
    if (ne[0] % type.blockSize !== 0) c.fail(`tensor ${tname}: row of ${ne[0]} is not a multiple of the ${type.name} block size ${type.blockSize}`, at);
    const bytes = ggmlTensorBytes(type, elements);
    if (typeof bytes === "string") c.fail(`tensor ${tname}: ${bytes}`, at);
    const offAt = c.pos;
    const rel = c.size(`tensor ${tname} offset`);
    if (rel % alignment !== 0) c.fail(`tensor ${tname} offset ${rel} is not a multiple of the alignment ${alignment}`, offAt);
    raw.push({ name: tname, shape: ne.reverse(), type: type.name, rel, bytes: Number(bytes), at: offAt });
  }

  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  const dataBytes = src.size - dataOffset;
  const tensors: GgufTensorInfo[] = [];
  const byStart = [...raw].sort((x, y) => x.rel - y.rel);
  let end = 0;
  for (const t of byStart) {
    if (t.rel + t.bytes > dataBytes) {
      c.fail(`truncated: tensor ${t.name} needs bytes ${dataOffset + t.rel}..${dataOffset + t.rel + t.bytes}, the file has ${src.size}`, t.at);
    }
    if (t.rel < end) c.fail(`hostile: tensor ${t.name} overlaps the tensor before it`, t.at);
    end = t.rel + t.bytes;
  }
  for (const t of raw) tensors.push({ name: t.name, shape: t.shape, type: t.type, offset: dataOffset + t.rel, byteLength: t.bytes });
  return { version, metadata, tensors, alignment, dataOffset, fileSize: src.size };
}

/** Validates a GGUF header held in memory; `name` labels error messages. */
export function parseGgufHeader(bytes: Uint8Array, name = "<buffer>"): GgufHeader {
  return parse({ size: bytes.length, read: (pos, len) => bytes.subarray(pos, pos + len) }, name);
}

/**
 * Reads and validates the header of the GGUF file at `path`: metadata and tensor infos, every
 * count, string, dim and offset checked against the file's size. Throws GgufError naming the file,
 * the byte offset and the problem.
 */
export function readGgufHeader(path: string): GgufHeader {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new GgufError(path, code === "ENOENT" ? "no such file" : `cannot open: ${(e as Error).message}`, { cause: e });
  }
  try {
    const size = fstatSync(fd).size;
    return parse({
      size,
      read: (pos, len) => {
        const buf = new Uint8Array(len);
        let done = 0;
        while (done < len) {
          const n = readSync(fd, buf, done, len - done, pos + done);
          if (n === 0) throw new GgufError(`${path} at byte ${pos + done}`, "file shrank while being read");
          done += n;
        }
        return buf;
      },
    }, path);
  } finally {
    closeSync(fd);
  }
}

/** The value of a metadata key if it has one of the given types, else undefined. */
export function ggufMetaNumber(h: GgufHeader, key: string): number | undefined {
  const v = h.metadata[key];
  if (!v || v.type === "array") return undefined;
  if (typeof v.value === "number") return v.value;
  if (typeof v.value === "bigint") return Number(v.value);
  return undefined;
}

/** A string metadata value, or undefined. */
export function ggufMetaString(h: GgufHeader, key: string): string | undefined {
  const v = h.metadata[key];
  return v && v.type === "string" && typeof v.value === "string" ? v.value : undefined;
}
