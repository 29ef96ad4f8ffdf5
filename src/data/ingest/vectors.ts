// Column-wise reads of DuckDB result chunks. A DOUBLE or FLOAT vector is viewed in place as a typed
// array with one native call per column per chunk; @duckdb/node-api's getItem costs a call and a BigInt
// validity test per value, which made reading 8M numbers take longer than DuckDB's parse.
import type { DuckDBDataChunk } from "@duckdb/node-api";

type Bindings = typeof import("@duckdb/node-bindings");
let raw: Bindings | null = null;

/** Loads the native bindings @duckdb/node-api is built on (once; called by connect()). */
export async function loadVectorBindings(): Promise<void> {
  if (raw) return;
  const m = (await import("@duckdb/node-bindings")) as Bindings & { default?: Bindings };
  raw = m.default ?? m;
}

function bindings(): Bindings {
  if (!raw) throw new Error("internal: DuckDB vector bindings used before connect()");
  return raw;
}

/** Typed arrays a numeric column is viewed as. */
export type NumericArray = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;

/** A numeric column of one chunk: its values in place, and its validity bits (null when none is missing). */
export interface NumericView<A extends NumericArray = NumericArray> {
  values: A;
  valid: Uint8Array | null;
}

type ArrayCtor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumericArray; BYTES_PER_ELEMENT: number };

// DuckDB types stored as plain machine numbers (BOOLEAN is one byte, 0 or 1), so JS can read them with no cast
const DIRECT: Record<string, ArrayCtor | "int64"> = {
  DOUBLE: Float64Array, FLOAT: Float32Array, INTEGER: Int32Array, SMALLINT: Int16Array, TINYINT: Int8Array,
  UINTEGER: Uint32Array, USMALLINT: Uint16Array, UTINYINT: Uint8Array, BOOLEAN: Uint8Array, BIGINT: "int64", UBIGINT: "int64",
};

/** Whether a DuckDB type (as DuckDBType.toString() spells it) can be read by numericColumn without a SQL cast. */
export function isDirectNumeric(duckType: string): boolean {
  return duckType in DIRECT;
}

/** A column of a type isDirectNumeric accepts, viewed in place (64-bit integers are converted: exact below 2^53). */
export function numericColumn(chunk: DuckDBDataChunk, column: number, duckType: string): NumericView {
  const kind = DIRECT[duckType];
  if (kind === undefined) throw new Error(`internal: numericColumn cannot read DuckDB type ${duckType}`);
  const n = chunk.rowCount;
  if (kind === "int64") {
    const { data, valid } = view(chunk, column, 8);
    const ints = duckType === "BIGINT" ? new BigInt64Array(data.buffer, data.byteOffset, n) : new BigUint64Array(data.buffer, data.byteOffset, n);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = Number(ints[i]);
    return { values, valid };
  }
  const { data, valid } = view(chunk, column, kind.BYTES_PER_ELEMENT as 1 | 2 | 4 | 8);
  return { values: new kind(data.buffer, data.byteOffset, n), valid };
}

function view(chunk: DuckDBDataChunk, column: number, bytesPerItem: 1 | 2 | 4 | 8): { data: Uint8Array; valid: Uint8Array | null } {
  const b = bindings();
  const n = chunk.rowCount;
  const vec = b.data_chunk_get_vector(chunk.chunk, column);
  const data = b.vector_get_data(vec, n * bytesPerItem);
  // DuckDB stores validity as little-endian uint64 words, so bit i is bit (i & 7) of byte i >> 3
  const valid = b.vector_get_validity(vec, Math.ceil(n / 64) * 8);
  return { data, valid: valid && valid.byteLength ? valid : null };
}

/** Copies rows [from, to) of a numeric view into out[at...], with NaN where a value is missing. */
export function copyNumeric(v: NumericView, from: number, to: number, out: Float64Array | Float32Array, at: number): void {
  if (!v.valid) {
    if (v.values instanceof Float64Array || v.values instanceof Float32Array) out.set(v.values.subarray(from, to), at);
    else for (let i = from, k = at; i < to; i++, k++) out[k] = v.values[i];
    return;
  }
  const { values, valid } = v;
  for (let i = from, k = at; i < to; i++, k++) out[k] = (valid[i >> 3] >> (i & 7)) & 1 ? values[i] : NaN;
}

/** Writes rows [from, to) of a numeric view into a row-major matrix: out[at + r * stride] for row r. */
export function scatterNumeric(v: NumericView, from: number, to: number, out: Float32Array, at: number, stride: number): void {
  const { values, valid } = v;
  if (!valid) {
    for (let i = from, k = at; i < to; i++, k += stride) out[k] = values[i];
    return;
  }
  for (let i = from, k = at; i < to; i++, k += stride) out[k] = (valid[i >> 3] >> (i & 7)) & 1 ? values[i] : NaN;
}
