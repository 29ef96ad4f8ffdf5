// Validation of a safetensors header, done in full before any tensor byte is read: the 8-byte length,
// then the JSON, then every entry's dtype, shape and offsets, then that the entries tile the data
// buffer exactly (as the reference implementation requires).
import { SafetensorsError } from "./errors.js";
import { findDuplicateKey } from "./json-duplicates.js";
import { dtypeInfo, isSafetensorsDType, isUnsupportedDType, type SafetensorsDType } from "./safetensors-dtypes.js";

/** The largest header accepted, as in the reference implementation (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor as the header describes it; begin/end are byte offsets into the data buffer. */
export interface TensorEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

export interface ParsedHeader {
  /** Sorted by position in the data buffer. */
  entries: TensorEntry[];
  metadata: Record<string, string>;
}

const ENTRY_FIELDS = ["dtype", "shape", "data_offsets"];

/** A name for messages: JSON-quoted, and cut short so a hostile megabyte-long key cannot flood them. */
export function quote(name: string): string {
  const q = JSON.stringify(name);
  return q.length > 120 ? `${q.slice(0, 100)}…"` : q;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${quote(String(value))}`;
}

/** Sets an own property even for names like "__proto__", which plain assignment would treat specially. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Reads and checks the header length from the file's first 8 bytes: it must fit the 100 MB limit and
 * the `fileSize - 8` bytes that follow it.
 */
export function readHeaderLength(prefix: Uint8Array, fileSize: number, source: string): number {
  if (fileSize < 8) throw new SafetensorsError(source, `file is ${fileSize} bytes, too short to hold the 8-byte header length`);
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(source, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (n > BigInt(fileSize - 8)) throw new SafetensorsError(source, `truncated: header says ${n} bytes but the file has ${fileSize - 8} after the 8-byte length`);
  if (n < 2n) throw new SafetensorsError(source, `header length ${n} is too small for a JSON object`);
  return Number(n);
}

function parseJsonObject(headerBytes: Uint8Array, source: string): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(source, "header is not valid UTF-8");
  }
  if (!text.startsWith("{")) throw new SafetensorsError(source, `header must start with "{", got ${quote(text.slice(0, 16))}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(source, `header is not valid JSON: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new SafetensorsError(source, `header must be a JSON object, got ${describe(json)}`);
  const dup = findDuplicateKey(text);
  if (dup) throw new SafetensorsError(source, `duplicate key ${quote(dup.key)} in ${dup.parent === "" ? "the header" : quote(dup.parent)}`);
  return json as Record<string, unknown>;
}

function parseMetadata(value: unknown, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null) return out; // the reference writes null for "no metadata"
  if (typeof value !== "object" || Array.isArray(value)) throw new SafetensorsError(source, `__metadata__ must be an object of strings, got ${describe(value)}`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") throw new SafetensorsError(source, `__metadata__ ${quote(k)}: value must be a string, got ${describe(v)}`);
    setOwn(out, k, v);
  }
  return out;
}

function isIndex(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}

function parseEntry(name: string, value: unknown, bufferLength: number, source: string): TensorEntry {
  const fail = (detail: string): never => {
    throw new SafetensorsError(source, `tensor ${quote(name)}: ${detail}`);
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) return fail(`entry must be an object, got ${describe(value)}`);
  const entry = value as Record<string, unknown>;
  for (const k of Object.keys(entry)) if (!ENTRY_FIELDS.includes(k)) fail(`unexpected field ${quote(k)} (expected dtype, shape, data_offsets)`);
  for (const k of ENTRY_FIELDS) if (!Object.hasOwn(entry, k)) fail(`missing field "${k}"`);

  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== "string") return fail(`dtype must be a string, got ${describe(dtype)}`);
  if (isUnsupportedDType(dtype)) fail(`dtype ${dtype} is not supported by ingot`);
  if (!isSafetensorsDType(dtype)) return fail(`unknown dtype ${quote(dtype)}`);

  if (!Array.isArray(shape)) return fail(`shape must be an array of non-negative integers, got ${describe(shape)}`);
  shape.forEach((d: unknown, i) => {
    if (!isIndex(d)) fail(`shape[${i}] must be a non-negative integer, got ${describe(d)}`);
  });
  const dims = (shape as number[]).map((d) => d + 0); // +0 turns -0 into 0

  if (!Array.isArray(offsets) || offsets.length !== 2) return fail(`data_offsets must be [begin, end], got ${describe(offsets)}`);
  const [begin, end] = offsets as unknown[];
  if (!isIndex(begin) || !isIndex(end)) return fail(`data_offsets must be two non-negative integers, got [${describe(begin)}, ${describe(end)}]`);
  if (begin > end) fail(`data_offsets [${begin}, ${end}] end before they begin`);
  if (end > bufferLength) fail(`data_offsets [${begin}, ${end}] run past the ${bufferLength}-byte data buffer`);

  // Products past 2^53 lose precision but can never come back down to a valid size, so the check holds.
  const needed = dims.reduce((n, d) => n * d, dtypeInfo(dtype).size);
  if (needed !== end - begin) fail(`data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${dtype} shape [${dims.join(",")}] needs ${needed}`);
  return { name, dtype, shape: dims, begin: begin + 0, end: end + 0 };
}

/** The entries must tile [0, bufferLength) with no gap and no overlap. */
function checkTiling(entries: TensorEntry[], bufferLength: number, source: string): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev: TensorEntry | null = null;
  for (const e of entries) {
    if (e.begin < cursor && prev) {
      throw new SafetensorsError(source, `tensors ${quote(prev.name)} [${prev.begin}, ${prev.end}] and ${quote(e.name)} [${e.begin}, ${e.end}] overlap`);
    }
    if (e.begin > cursor) throw new SafetensorsError(source, `bytes [${cursor}, ${e.begin}) of the data buffer belong to no tensor (gap before tensor ${quote(e.name)})`);
    cursor = e.end;
    prev = e;
  }
  if (cursor !== bufferLength) throw new SafetensorsError(source, `bytes [${cursor}, ${bufferLength}) at the end of the data buffer belong to no tensor`);
}

/** Parses and validates the JSON header against a data buffer of `bufferLength` bytes. */
export function parseHeader(headerBytes: Uint8Array, bufferLength: number, source: string): ParsedHeader {
  const json = parseJsonObject(headerBytes, source);
  let metadata: Record<string, string> = {};
  const entries: TensorEntry[] = [];
  for (const name of Object.keys(json)) {
    if (name === "__metadata__") metadata = parseMetadata(json[name], source);
    else entries.push(parseEntry(name, json[name], bufferLength, source));
  }
  checkTiling(entries, bufferLength, source);
  return { entries, metadata };
}
