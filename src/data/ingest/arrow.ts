// Arrow IPC (file and stream formats, .arrow/.feather/.ipc) to and from Table, through the apache-arrow
// package: DuckDB's arrow extension cannot be installed offline. Numbers (ints, floats) become number
// columns, dates and timestamps date columns (epoch ms), Bool boolean, Utf8 and dictionary-encoded
// strings string; nulls become NaN / null. Anything the reader throws on a damaged file becomes an
// IngestError naming the file.
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import type { Data, DataType, RecordBatch, Table as ArrowTable, Vector } from "apache-arrow";
import { writeFileAtomic, writeAll } from "../../io/atomic.js";
import { Table, type Column } from "../table.js";
import { IngestError } from "./errors.js";

// apache-arrow is large: loaded on first use, so `import "ingot"` stays fast
type ArrowModule = typeof import("apache-arrow");
let arrowModule: Promise<ArrowModule> | null = null;
const arrow = (): Promise<ArrowModule> => (arrowModule ??= boundFlatbufferLists().then(() => import("apache-arrow")));

interface FlatbufferByteBuffer {
  capacity(): number;
  __vector_len(offset: number): number;
}

/**
 * apache-arrow decodes its metadata with the flatbuffers package, which trusts every list length it
 * reads: a damaged byte can claim billions of schema children and exhaust memory. A valid list never
 * has more entries than its buffer has bytes, so lengths beyond that are refused (for every flatbuffer
 * in the process, where the check can only ever catch damage).
 */
async function boundFlatbufferLists(): Promise<void> {
  const fb = (await import("flatbuffers")) as { ByteBuffer?: { prototype: FlatbufferByteBuffer }; default?: { ByteBuffer: { prototype: FlatbufferByteBuffer } } };
  const proto = (fb.ByteBuffer ?? fb.default?.ByteBuffer)?.prototype;
  if (!proto || (proto as { ingotBounded?: boolean }).ingotBounded) return;
  const vectorLength = proto.__vector_len;
  proto.__vector_len = function (this: FlatbufferByteBuffer, offset: number): number {
    const n = vectorLength.call(this, offset);
    if (!(n >= 0 && n <= this.capacity())) throw new Error(`damaged metadata: a list of ${n} entries in a ${this.capacity()}-byte message`);
    return n;
  };
  (proto as { ingotBounded?: boolean }).ingotBounded = true;
}

/** Options of writeArrow. */
export interface ArrowWriteOptions {
  /** "file" (random access, the .arrow/.feather v2 layout; default) or "stream" (the IPC stream format). */
  format?: "file" | "stream";
}

function checkFile(file: string): void {
  if (!existsSync(file)) throw new IngestError(file, null, "no such file");
  if (statSync(file).isDirectory()) throw new IngestError(file, null, "is a directory, not an Arrow IPC file");
  if (statSync(file).size === 0) throw new IngestError(file, null, "empty file (no Arrow IPC schema)");
}

/** Runs a conversion, turning whatever a damaged file makes apache-arrow throw into an IngestError. */
function guard<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof IngestError) throw e;
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new IngestError(file, null, `not a readable Arrow IPC file or stream: ${msg}`);
  }
}

const MAGIC = "ARROW1";

/** Whether the bytes begin like the Arrow IPC file format (otherwise they are taken as the stream format). */
function isFileFormat(head: Uint8Array): boolean {
  return Buffer.from(head.subarray(0, 6)).toString("latin1") === MAGIC;
}

/**
 * Batches of the file format are read one by one through the footer's index: apache-arrow's readAll
 * loops forever when a damaged block holds a message that is not a record batch.
 */
function batchCountOf(file: string, n: number, fileBytes: number): number {
  if (!Number.isInteger(n) || n < 0 || n * 8 > fileBytes) throw new IngestError(file, null, `damaged Arrow footer: it lists ${n} record batches`);
  return n;
}

function missingBatch(file: string, i: number): IngestError {
  return new IngestError(file, null, `damaged Arrow file: record batch ${i} could not be read`);
}

/** Reads an Arrow IPC file or stream (the format is told by its magic bytes) into a Table. */
export async function readArrow(file: string): Promise<Table> {
  checkFile(file);
  const A = await arrow();
  const bytes = readFileSync(file);
  return guard(file, () => {
    if (!isFileFormat(bytes)) return fromArrow(file, A, A.tableFromIPC(bytes), bytes.length);
    const reader = A.RecordBatchFileReader.from(bytes);
    reader.open();
    const batches: RecordBatch[] = [];
    for (let i = 0, n = batchCountOf(file, reader.numRecordBatches, bytes.length); i < n; i++) {
      // synchronous: the reader was made from bytes in memory
      const b = reader.readRecordBatch(i) as RecordBatch | null;
      if (!b) throw missingBatch(file, i);
      batches.push(b);
    }
    return fromArrow(file, A, new A.Table(reader.schema, batches), bytes.length);
  });
}

/** Streams an Arrow IPC file or stream one record batch at a time, each as a Table. */
export async function* readArrowBatches(file: string): AsyncGenerator<Table> {
  checkFile(file);
  const size = statSync(file).size;
  const A = await arrow();
  const fh = await open(file, "r");
  try {
    const head = new Uint8Array(6);
    await fh.read(head, 0, 6, 0);
    if (isFileFormat(head)) {
      const reader = await guardAsync(file, async () => {
        const r = await A.AsyncRecordBatchFileReader.from(fh);
        await r.open();
        return r;
      });
      const n = batchCountOf(file, reader.numRecordBatches, size);
      for (let i = 0; i < n; i++) {
        const b = await guardAsync(file, async () => reader.readRecordBatch(i));
        if (!b) throw missingBatch(file, i);
        yield guard(file, () => fromArrow(file, A, new A.Table(reader.schema, [b]), size));
      }
      return;
    }
    const reader = await guardAsync(file, async () => (await A.RecordBatchReader.from(createReadStream(file))) as AsyncIterable<RecordBatch>);
    const it = reader[Symbol.asyncIterator]();
    for (;;) {
      const next = await guardAsync(file, () => it.next());
      if (next.done) return;
      yield guard(file, () => fromArrow(file, A, new A.Table(next.value), size));
    }
  } finally {
    await fh.close();
  }
}

async function guardAsync<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    return guard(file, () => {
      throw e;
    });
  }
}

/** An Arrow table as a Table; throws an IngestError for a column type Table has no place for. */
function fromArrow(file: string, A: ArrowModule, t: ArrowTable, fileBytes: number): Table {
  // apache-arrow trusts the row count in the metadata: a damaged one would have the conversion loop for
  // billions of rows. Every column type read here stores at least one bit per row.
  if (t.numRows > fileBytes * 8) throw new IngestError(file, null, `damaged Arrow metadata: a record batch claims ${t.numRows} rows, more than a ${fileBytes}-byte file can hold`);
  const columns: Column[] = t.schema.fields.map((field, j) => {
    const vec = t.getChildAt(j);
    if (!vec) throw new IngestError(file, null, `column "${field.name}" has no data`);
    if (vec.length !== t.numRows) throw new IngestError(file, null, `column "${field.name}" has ${vec.length} rows, the table ${t.numRows}`);
    return toColumn(file, A, field.name, vec);
  });
  return new Table(columns);
}

function toColumn(file: string, A: ArrowModule, name: string, vec: Vector): Column {
  const type: DataType = vec.type;
  const n = vec.length;
  // Float16's values buffer holds raw bits, so only 32/64-bit floats are copied straight from it
  const plainFloat = A.DataType.isFloat(type) && type.precision !== A.Precision.HALF;
  if (A.DataType.isInt(type) || A.DataType.isFloat(type)) return { name, type: "number", values: numbers(vec, plainFloat) };
  // apache-arrow gives dates and timestamps of every unit as epoch milliseconds
  if (A.DataType.isDate(type) || A.DataType.isTimestamp(type)) return { name, type: "date", values: numbers(vec, false) };
  if (A.DataType.isBool(type)) return { name, type: "boolean", values: Array.from({ length: n }, (_, i) => (vec.get(i) as boolean | null) ?? null) };
  const isText = (d: DataType): boolean => A.DataType.isUtf8(d) || A.DataType.isLargeUtf8(d) || A.DataType.isUtf8View(d);
  if (isText(type) || (A.DataType.isDictionary(type) && isText(type.dictionary))) {
    const values = new Array<string | null>(n);
    for (let i = 0; i < n; i++) {
      const v: unknown = vec.get(i);
      if (v !== null && typeof v !== "string") throw new IngestError(file, null, `column "${name}": row ${i} is not text`);
      values[i] = v;
    }
    return { name, type: "string", values };
  }
  if (A.DataType.isNull(type)) return { name, type: "string", values: new Array<string | null>(n).fill(null) };
  throw new IngestError(file, null, `column "${name}" has Arrow type ${String(type)}, which Table cannot hold (numbers, dates, booleans and text only)`);
}

/** A numeric Arrow vector as Float64 with NaN for null, chunk by chunk; `plainFloat`: copy null-free chunks' buffers. */
function numbers(vec: Vector, plainFloat: boolean): Float64Array {
  const out = new Float64Array(vec.length);
  let at = 0;
  for (const d of vec.data as Data[]) {
    const part = plainFloat && d.nullCount === 0 ? (d.values as ArrayLike<number>) : null;
    if (part && part.length >= d.offset + d.length) {
      for (let i = 0; i < d.length; i++) out[at + i] = part[d.offset + i];
    } else {
      for (let i = 0; i < d.length; i++) {
        const v: unknown = vec.get(at + i);
        // 64-bit integers come as bigint: Number() is exact below 2^53
        out[at + i] = v === null || v === undefined ? NaN : Number(v);
      }
    }
    at += d.length;
  }
  return out;
}

/** Writes a Table as an Arrow IPC file (or stream); the file appears whole or not at all. */
export async function writeArrow(table: Table, file: string, o: ArrowWriteOptions = {}): Promise<void> {
  const A = await arrow();
  const vectors: Record<string, Vector> = {};
  for (const c of table.columns) vectors[c.name] = toVector(A, c);
  const bytes = A.tableToIPC(new A.Table(vectors), o.format ?? "file");
  await writeFileAtomic(file, (fh) => writeAll(fh, bytes));
}

function toVector(A: ArrowModule, c: Column): Vector {
  const n = c.values.length;
  if (c.type === "number") {
    const valid = new Uint8Array(Math.ceil(n / 8));
    let nulls = 0;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(c.values[i])) nulls++;
      else valid[i >> 3] |= 1 << (i & 7);
    }
    return A.makeVector(A.makeData({ type: new A.Float64(), length: n, nullCount: nulls, data: Float64Array.from(c.values), nullBitmap: nulls ? valid : undefined }));
  }
  if (c.type === "date") return A.vectorFromArray(Array.from(c.values, (v) => (Number.isNaN(v) ? null : new Date(v))), new A.TimestampMillisecond());
  if (c.type === "boolean") return A.vectorFromArray(c.values, new A.Bool());
  return A.vectorFromArray(c.values, new A.Utf8());
}
