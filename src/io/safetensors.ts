// Reading and writing the safetensors format: an 8-byte little-endian header length N, N bytes of
// JSON header ({name: {dtype, shape, data_offsets}, "__metadata__": {...}}), then the tensor bytes.
// Loading validates the whole header before reading a tensor and never evaluates anything.
import { open, type FileHandle } from "node:fs/promises";
import type { Device } from "../backends/storage.js";
import { tensor } from "../tensor/creation.js";
import type { DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { writeAll, writeFileAtomic } from "./atomic.js";
import { SafetensorsError } from "./errors.js";
import { DecodeError, dtypeInfo, littleEndianBytes, WRITE_DTYPE } from "./safetensors-dtypes.js";
import { MAX_HEADER_BYTES, parseHeader, quote, readHeaderLength, setOwn, type TensorEntry } from "./safetensors-header.js";

/** What a safetensors file holds: named tensors and string metadata. */
export interface Safetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Options for loading: where the tensors are created. */
export interface SafetensorsLoadOptions {
  /** Device for the loaded tensors (default "cpu"). */
  device?: Device;
}

/** Options for parsing bytes in memory. */
export interface SafetensorsParseOptions extends SafetensorsLoadOptions {
  /** Names the bytes in error messages, e.g. a URL or file name (default "safetensors buffer"). */
  source?: string;
}

const WRITE_ORDER: Readonly<Record<DType, number>> = { float32: 0, int32: 1, bool: 2, bfloat16: 3, float16: 4 };

interface PlannedTensor {
  name: string;
  tensor: Tensor;
  byteLength: number;
}

/** The header bytes (length prefix included) and the order the tensors' bytes follow in. */
interface WritePlan {
  head: Uint8Array;
  items: PlannedTensor[];
  dataLength: number;
}

function planWrite(op: string, tensors: Record<string, Tensor>, metadata: Record<string, string> | undefined): WritePlan {
  if (tensors === null || typeof tensors !== "object") throw new TypeError(`${op}: tensors must be an object of name -> Tensor`);
  const items: PlannedTensor[] = [];
  for (const name of Object.keys(tensors)) {
    const t: unknown = tensors[name];
    if (name === "__metadata__") throw new Error(`${op}: "__metadata__" is reserved by the format and cannot name a tensor`);
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: tensors[${quote(name)}] is not a Tensor`);
    if (t.isDisposed) throw new Error(`${op}: tensors[${quote(name)}] was disposed`);
    items.push({ name, tensor: t, byteLength: t.size * dtypeInfo(WRITE_DTYPE[t.dtype]).size });
  }
  // The reference's order (dtype descending: F32, I32, BOOL; then name as UTF-8 bytes): wider elements
  // come first, so every tensor stays aligned to its element size.
  items.sort((a, b) => WRITE_ORDER[a.tensor.dtype] - WRITE_ORDER[b.tensor.dtype] || Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));

  const parts: string[] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== "object") throw new TypeError(`${op}: metadata must be an object of strings`);
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new TypeError(`${op}: metadata[${quote(k)}] must be a string, got ${typeof v}`);
    }
    parts.push(`"__metadata__":${JSON.stringify(Object.fromEntries(Object.entries(metadata)))}`);
  }
  let offset = 0;
  for (const it of items) {
    const dtype = WRITE_DTYPE[it.tensor.dtype];
    parts.push(`${JSON.stringify(it.name)}:{"dtype":"${dtype}","shape":${JSON.stringify(it.tensor.shape)},"data_offsets":[${offset},${offset + it.byteLength}]}`);
    offset += it.byteLength;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const padded = Math.ceil(json.length / 8) * 8; // spaces pad the header so the data starts 8-aligned
  if (padded > MAX_HEADER_BYTES) throw new Error(`${op}: the header would be ${padded} bytes, over the ${MAX_HEADER_BYTES}-byte limit readers accept`);
  const head = new Uint8Array(8 + padded).fill(0x20);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  return { head, items, dataLength: offset };
}

/** A tensor's elements as little-endian bytes, checked against the size the header promised. */
function tensorBytes(op: string, it: PlannedTensor): Uint8Array {
  const data = it.tensor.dataSync();
  if (data.byteLength !== it.byteLength) throw new Error(`${op}: tensors[${quote(it.name)}] gave ${data.byteLength} bytes, expected ${it.byteLength}`);
  if (it.tensor.dtype === "bool") for (let i = 0; i < data.length; i++) if (data[i] > 1) data[i] = 1;
  return littleEndianBytes(data);
}

/** The safetensors encoding of `tensors` (float32 as F32, int32 as I32, bool as BOOL) with optional string metadata. */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const plan = planWrite("serializeSafetensors", tensors, metadata);
  const out = new Uint8Array(plan.head.length + plan.dataLength);
  out.set(plan.head, 0);
  let at = plan.head.length;
  for (const it of plan.items) {
    out.set(tensorBytes("serializeSafetensors", it), at);
    at += it.byteLength;
  }
  return out;
}

/**
 * Writes `tensors` to a safetensors file at `path`, atomically: the bytes go to a temp file in the same
 * directory which replaces `path` only once complete, so `path` never holds a partial file.
 */
export async function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<void> {
  const plan = planWrite("saveSafetensors", tensors, metadata);
  await writeFileAtomic(path, (fh) => writePlan(fh, plan, "saveSafetensors"));
}

/** Streams a plan's bytes to an open file, one tensor at a time (no whole-model buffer). */
async function writePlan(fh: FileHandle, plan: WritePlan, op: string): Promise<void> {
  await writeAll(fh, plan.head);
  for (const it of plan.items) await writeAll(fh, tensorBytes(op, it));
}

/** Writes safetensors bytes to an open file, for writers that handle atomicity themselves (model-dir). */
export async function writeSafetensorsTo(fh: FileHandle, tensors: Record<string, Tensor>, metadata: Record<string, string> | undefined, op: string): Promise<void> {
  await writePlan(fh, planWrite(op, tensors, metadata), op);
}

function makeTensor(e: TensorEntry, bytes: Uint8Array, source: string, device: Device | undefined): Tensor {
  const info = dtypeInfo(e.dtype);
  let data;
  try {
    data = info.decode(bytes, (e.end - e.begin) / info.size);
  } catch (err) {
    if (err instanceof DecodeError) throw new SafetensorsError(source, `tensor ${quote(e.name)}: ${err.message}`);
    throw err;
  }
  return tensor(data, { shape: e.shape, dtype: info.dtype, device });
}

/** Gathers loaded tensors by name; if loading fails part way, disposeAll() frees those already made. */
class Collected {
  readonly tensors: Record<string, Tensor> = {};
  private readonly made: Tensor[] = [];

  add(name: string, t: Tensor): void {
    this.made.push(t);
    setOwn(this.tensors, name, t);
  }

  disposeAll(): void {
    for (const t of this.made) t.dispose();
  }
}

/** Reads safetensors bytes held in memory; every malformed input throws SafetensorsError. */
export function parseSafetensors(bytes: Uint8Array, opts: SafetensorsParseOptions = {}): Safetensors {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("parseSafetensors: bytes must be a Uint8Array");
  const source = opts.source ?? "safetensors buffer";
  const n = readHeaderLength(bytes, bytes.length, source);
  const dataStart = 8 + n;
  const { entries, metadata } = parseHeader(bytes.subarray(8, dataStart), bytes.length - dataStart, source);
  const out = new Collected();
  try {
    for (const e of entries) out.add(e.name, makeTensor(e, bytes.subarray(dataStart + e.begin, dataStart + e.end), source, opts.device));
  } catch (err) {
    out.disposeAll();
    throw err;
  }
  return { tensors: out.tensors, metadata };
}

/** Reads exactly `length` bytes at `position`; a file that shrank underneath is reported as truncated. */
async function readAt(fh: FileHandle, position: number, length: number, source: string): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(out, done, Math.min(1 << 30, length - done), position + done);
    if (bytesRead === 0) throw new SafetensorsError(source, `truncated: the file ended at byte ${position + done} while reading bytes [${position}, ${position + length})`);
    done += bytesRead;
  }
  return out;
}

/**
 * Loads a safetensors file. The header is read and validated in full first (sizes, offsets, dtypes,
 * coverage of the data); then each tensor is read straight from the file, so memory stays near the
 * size of the tensors. Every malformed file throws SafetensorsError naming `path` and the problem.
 */
export async function loadSafetensors(path: string, opts: SafetensorsLoadOptions = {}): Promise<Safetensors> {
  let fh: FileHandle;
  try {
    fh = await open(path, "r");
  } catch (e) {
    throw new SafetensorsError(path, `cannot open: ${(e as Error).message}`, { cause: e });
  }
  try {
    const stat = await fh.stat();
    if (!stat.isFile()) throw new SafetensorsError(path, "not a regular file");
    const n = readHeaderLength(await readAt(fh, 0, Math.min(8, stat.size), path), stat.size, path);
    const dataStart = 8 + n;
    const { entries, metadata } = parseHeader(await readAt(fh, 8, n, path), stat.size - dataStart, path);
    // one tensor's raw bytes at a time, so memory stays near the size of the loaded tensors
    const out = new Collected();
    try {
      for (const e of entries) out.add(e.name, makeTensor(e, await readAt(fh, dataStart + e.begin, e.end - e.begin, path), path, opts.device));
    } catch (err) {
      out.disposeAll();
      throw err;
    }
    return { tensors: out.tensors, metadata };
  } finally {
    await fh.close();
  }
}
