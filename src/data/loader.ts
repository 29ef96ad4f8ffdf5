// Mini-batches as tensors, with prefetch. Node runs JavaScript on one thread, so "background" here means:
// the next batches are requested before the current one is handed out, and they are built in their own
// macrotasks (setImmediate) or while an async source waits on I/O. Whenever the consumer awaits (an async
// train step, a device sync, disk), the loader's pending work runs, so the consumer finds the next batch
// ready instead of paying for gathering/parsing on its critical path. Pure CPU-bound consumers that never
// await gain nothing: there is no second thread to overlap with.
//
// Ownership: a batch's tensors are created by the loader, kept out of any enclosing scope(), and — with
// autoDispose (the default) — disposed when the consumer asks for the next batch or leaves the loop. To keep
// a batch longer, pass autoDispose: false and call batch.dispose() yourself.
import { Generator, keep, tensor, type DType, type Tensor, type TypedArray } from "../tensor/index.js";
import { type Table } from "./table.js";

/** One mini-batch. `indices` are the source rows it holds (for asyncSource: row positions in the stream). */
export interface Batch {
  x: Tensor;
  y: Tensor;
  mask?: Tensor;
  indices: Int32Array;
  /** Disposes x, y and mask (idempotent). */
  dispose(): void;
}

/** In-memory tensors, the first dim being the rows. */
export interface TensorSource {
  x: Tensor;
  y: Tensor;
  mask?: Tensor;
}

/** A Table and the columns to turn into x ([n, features]) and y ([n] for one target, [n, t] for several). */
export interface TableSource {
  table: Table;
  features: readonly string[];
  target: string | readonly string[];
  /** dtype of y: "int32" for class indices. Default "float32". */
  targetDtype?: "float32" | "int32";
}

/** Options of {@link DataLoader} and {@link asyncSource}. */
export interface LoaderOptions {
  /** Rows per batch. Default 32. */
  batchSize?: number;
  /** Shuffle rows every epoch (asyncSource: within each chunk). Default false. */
  shuffle?: boolean;
  /** Seed of the shuffles: the same seed gives the same order epoch after epoch. Default 0. */
  seed?: number;
  /** Drop a last batch smaller than batchSize. Default false. */
  dropLast?: boolean;
  /** Batches prepared ahead of the consumer; 0 builds each on demand. Default 2. */
  prefetch?: number;
  /** Dispose each batch when the next is requested or the loop ends. Default true. */
  autoDispose?: boolean;
}

/** Host rows: row-major data with `rowSize` elements per row. */
interface HostRows {
  data: TypedArray;
  rowShape: number[];
  dtype: DType;
}

function checkOptions(fn: string, opts: LoaderOptions): Required<LoaderOptions> {
  const o = { batchSize: 32, shuffle: false, seed: 0, dropLast: false, prefetch: 2, autoDispose: true, ...opts };
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new Error(`${fn}: batchSize must be a positive integer, got ${String(o.batchSize)}`);
  if (!Number.isInteger(o.prefetch) || o.prefetch < 0) throw new Error(`${fn}: prefetch must be a non-negative integer, got ${String(o.prefetch)}`);
  if (!Number.isFinite(o.seed)) throw new Error(`${fn}: seed must be a number, got ${String(o.seed)}`);
  return o;
}

function hostRows(t: Tensor): HostRows {
  return { data: t.dataSync(), rowShape: t.shape.slice(1), dtype: t.dtype };
}

function rowSize(r: HostRows): number {
  return r.rowShape.reduce((a, b) => a * b, 1);
}

/** The rows `idx` of `r` as a new tensor (kept out of enclosing scopes: the loader owns it). */
function gather(r: HostRows, idx: ArrayLike<number>): Tensor {
  const size = rowSize(r);
  const out = new (r.data.constructor as new (n: number) => TypedArray)(idx.length * size);
  for (let i = 0; i < idx.length; i++) out.set(r.data.subarray(idx[i] * size, (idx[i] + 1) * size), i * size);
  return keep(tensor(out, { shape: [idx.length, ...r.rowShape], dtype: r.dtype }));
}

function makeBatch(x: Tensor, y: Tensor, mask: Tensor | undefined, indices: Int32Array): Batch {
  return {
    x,
    y,
    mask,
    indices,
    dispose() {
      x.dispose();
      y.dispose();
      mask?.dispose();
    },
  };
}

/** A Table's columns as row-major float32 (or int32) rows; missing values and text columns are errors. */
export function tableToArrays(fn: string, table: Table, columns: readonly string[], dtype: "float32" | "int32"): Float32Array | Int32Array {
  const n = table.numRows;
  const d = columns.length;
  const out = dtype === "int32" ? new Int32Array(n * d) : new Float32Array(n * d);
  columns.forEach((name, j) => {
    const c = table.column(name);
    if (c.type === "string") throw new Error(`${fn}: column "${name}" is text; encode it to numbers first (one-hot, ordinal or label encoding)`);
    for (let i = 0; i < n; i++) {
      const v = c.values[i];
      if (v === null || (typeof v === "number" && Number.isNaN(v))) throw new Error(`${fn}: column "${name}" is missing at row ${i}; drop or impute missing values first`);
      const x = typeof v === "boolean" ? (v ? 1 : 0) : v;
      if (dtype === "int32" && !Number.isInteger(x)) throw new Error(`${fn}: column "${name}" has ${x} at row ${i}, expected an integer class index for targetDtype int32`);
      out[i * d + j] = x;
    }
  });
  return out;
}

function fromTable(fn: string, s: TableSource): { x: HostRows; y: HostRows } {
  if (!Array.isArray(s.features) || s.features.length === 0) throw new Error(`${fn}: features must be a non-empty array of column names`);
  const targets = typeof s.target === "string" ? [s.target] : [...s.target];
  const dtype = s.targetDtype ?? "float32";
  return {
    x: { data: tableToArrays(fn, s.table, s.features, "float32"), rowShape: [s.features.length], dtype: "float32" },
    y: { data: tableToArrays(fn, s.table, targets, dtype), rowShape: typeof s.target === "string" ? [] : [targets.length], dtype },
  };
}

/** 0..n-1 shuffled (Fisher–Yates over `g`) or in order. */
function order(n: number, g: Generator, shuffle: boolean): Int32Array {
  const o = Int32Array.from({ length: n }, (_, i) => i);
  if (!shuffle) return o;
  const u = g.uint32(n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor((u[i] / 4294967296) * (i + 1));
    const t = o[i];
    o[i] = o[j];
    o[j] = t;
  }
  return o;
}

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs `source` up to `depth` items ahead of the consumer. Items fetched but never consumed (early exit)
 * are released with `release`.
 */
async function* prefetched<T>(source: AsyncIterator<T>, depth: number, release: (t: T) => void): AsyncGenerator<T> {
  const queue: Promise<IteratorResult<T>>[] = [];
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && queue.length < Math.max(1, depth + 1)) queue.push(source.next());
      const r = await (queue.shift() as Promise<IteratorResult<T>>);
      if (r.done) {
        exhausted = true;
        break;
      }
      yield r.value;
    }
  } finally {
    for (const p of queue) {
      const r = await p.catch(() => ({ done: true, value: undefined }) as IteratorResult<T>);
      if (!r.done) release(r.value);
    }
    if (!exhausted) await source.return?.();
  }
}

/** Hands out batches from `produce`, prefetched, disposing each when the next is requested (autoDispose). */
async function* deliver(produce: AsyncIterator<Batch>, o: Required<LoaderOptions>): AsyncGenerator<Batch> {
  let prev: Batch | null = null;
  try {
    for await (const b of prefetched(produce, o.prefetch, (x) => x.dispose())) {
      if (o.autoDispose) prev?.dispose();
      prev = b;
      yield b;
    }
  } finally {
    if (o.autoDispose) prev?.dispose();
  }
}

/**
 * Shuffled mini-batches over in-memory tensors or a Table: `for await (const {x, y} of loader)` is one
 * epoch; every row appears once per epoch (dropLast aside). Each new iteration is a new epoch, with a new
 * order drawn from the loader's seeded generator, so a seed fixes the whole sequence of epochs.
 */
export class DataLoader implements AsyncIterable<Batch> {
  readonly numRows: number;
  readonly options: Required<LoaderOptions>;
  private readonly x: HostRows;
  private readonly y: HostRows;
  private readonly mask: HostRows | null;
  private readonly generator: Generator;

  constructor(source: TensorSource | TableSource, opts: LoaderOptions = {}) {
    const fn = "DataLoader";
    this.options = checkOptions(fn, opts);
    if ("table" in source) {
      const rows = fromTable(fn, source);
      this.x = rows.x;
      this.y = rows.y;
      this.mask = null;
      this.numRows = source.table.numRows;
    } else {
      const { x, y, mask } = source;
      if (!x || !y || typeof x.shape !== "object" || typeof y.shape !== "object") throw new Error(`${fn}: source must be {x: Tensor, y: Tensor, mask?: Tensor} or {table, features, target}`);
      if (x.ndim === 0 || y.ndim === 0) throw new Error(`${fn}: x and y need a row dimension, got shapes [${x.shape.join(", ")}] and [${y.shape.join(", ")}]`);
      if (x.shape[0] !== y.shape[0]) throw new Error(`${fn}: x has ${x.shape[0]} rows but y has ${y.shape[0]} (shapes [${x.shape.join(", ")}] and [${y.shape.join(", ")}])`);
      if (mask && (mask.ndim === 0 || mask.shape[0] !== x.shape[0])) throw new Error(`${fn}: mask has shape [${mask.shape.join(", ")}], expected ${x.shape[0]} rows`);
      // a host copy once: batches are gathered from it without touching the source tensors again
      this.x = hostRows(x);
      this.y = hostRows(y);
      this.mask = mask ? hostRows(mask) : null;
      this.numRows = x.shape[0];
    }
    this.generator = new Generator(this.options.seed);
  }

  /** Batches per epoch. */
  get length(): number {
    const { batchSize, dropLast } = this.options;
    return dropLast ? Math.floor(this.numRows / batchSize) : Math.ceil(this.numRows / batchSize);
  }

  /** The row indices of each batch of the next epoch (draws that epoch's order). */
  private epochBatches(): Int32Array[] {
    const o = order(this.numRows, this.generator, this.options.shuffle);
    const out: Int32Array[] = [];
    for (let i = 0; i < this.length; i++) out.push(o.slice(i * this.options.batchSize, Math.min(this.numRows, (i + 1) * this.options.batchSize)));
    return out;
  }

  private async *produce(batches: Int32Array[]): AsyncGenerator<Batch> {
    for (const idx of batches) {
      // build in a macrotask of its own, so a prefetched batch is made while the consumer awaits
      await nextMacrotask();
      yield makeBatch(gather(this.x, idx), gather(this.y, idx), this.mask ? gather(this.mask, idx) : undefined, idx);
    }
  }

  /** One epoch of batches. */
  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    return deliver(this.produce(this.epochBatches()), this.options);
  }
}

/** A chunk of rows from a streaming reader: a Table, or row-major float32 features with their targets. */
export type SourceChunk = Table | { x: Float32Array; y: Float32Array | Int32Array; numFeatures: number };

/** Options of {@link asyncSource}: a Table chunk needs the columns to read. */
export interface AsyncSourceOptions extends LoaderOptions {
  features?: readonly string[];
  target?: string;
  /** dtype of y for Table chunks. Default "float32". */
  targetDtype?: "float32" | "int32";
}

/** Growable row buffer that rebatches chunks of any size into batches of a fixed size. */
class RowBuffer {
  rows = 0;
  constructor(
    private data: Float32Array | Int32Array,
    readonly rowSize: number,
  ) {}

  push(src: Float32Array | Int32Array, idx: Int32Array): void {
    const need = (this.rows + idx.length) * this.rowSize;
    if (need > this.data.length) {
      const grown = new (this.data.constructor as new (n: number) => Float32Array | Int32Array)(Math.max(need, 2 * this.data.length));
      grown.set(this.data.subarray(0, this.rows * this.rowSize));
      this.data = grown;
    }
    for (let i = 0; i < idx.length; i++) this.data.set(src.subarray(idx[i] * this.rowSize, (idx[i] + 1) * this.rowSize), (this.rows + i) * this.rowSize);
    this.rows += idx.length;
  }

  /** Removes the first `n` rows and returns them as a new array. */
  shift(n: number): Float32Array | Int32Array {
    const out = this.data.slice(0, n * this.rowSize);
    this.data.copyWithin(0, n * this.rowSize, this.rows * this.rowSize);
    this.rows -= n;
    return out;
  }
}

/**
 * Batches from an async stream of chunks (the streaming ingester's Tables or Float32 chunks), with
 * bounded memory: only the current chunk, a partial batch and `prefetch` batches are held. With
 * shuffle, rows are shuffled within each chunk (a full shuffle would need the whole stream). While the
 * consumer works on a batch, the next chunk is already being pulled from the source.
 */
export function asyncSource(chunks: AsyncIterable<SourceChunk>, opts: AsyncSourceOptions = {}): AsyncIterable<Batch> {
  const fn = "asyncSource";
  const o = checkOptions(fn, opts);
  const generator = new Generator(o.seed);
  async function* produce(): AsyncGenerator<Batch> {
    let xs: RowBuffer | null = null;
    let ys: RowBuffer | null = null;
    const positions = new RowBuffer(new Int32Array(o.batchSize), 1);
    let seen = 0;
    let yShape: number[] = [];
    let yDtype: DType = "float32";
    let chunkNo = 0;
    const emit = (n: number): Batch => {
      const rx = (xs as RowBuffer).rowSize;
      const x = keep(tensor((xs as RowBuffer).shift(n), { shape: [n, rx], dtype: "float32" }));
      const y = keep(tensor((ys as RowBuffer).shift(n), { shape: [n, ...yShape], dtype: yDtype }));
      return makeBatch(x, y, undefined, positions.shift(n) as Int32Array);
    };
    for await (const chunk of chunks) {
      let cx: Float32Array;
      let cy: Float32Array | Int32Array;
      let d: number;
      if ("columns" in chunk) {
        if (!opts.features || !opts.target) throw new Error(`${fn}: Table chunks need the features and target options`);
        cx = tableToArrays(fn, chunk, opts.features, "float32") as Float32Array;
        cy = tableToArrays(fn, chunk, [opts.target], opts.targetDtype ?? "float32");
        d = opts.features.length;
      } else {
        ({ x: cx, y: cy, numFeatures: d } = chunk);
        if (!Number.isInteger(d) || d < 1 || cx.length % d !== 0 || cx.length / d !== cy.length) {
          throw new Error(`${fn}: chunk ${chunkNo} has ${cx.length} feature values with numFeatures=${d} and ${cy.length} targets; expected rows × numFeatures values and one target per row`);
        }
      }
      const n = cy.length;
      if (!xs || !ys) {
        xs = new RowBuffer(new Float32Array(Math.max(o.batchSize, n) * d), d);
        ys = new RowBuffer(cy instanceof Int32Array ? new Int32Array(Math.max(o.batchSize, n)) : new Float32Array(Math.max(o.batchSize, n)), 1);
        yDtype = cy instanceof Int32Array ? "int32" : "float32";
        yShape = [];
      } else if (xs.rowSize !== d) {
        throw new Error(`${fn}: chunk ${chunkNo} has ${d} features but earlier chunks had ${xs.rowSize}`);
      }
      const idx = order(n, generator, o.shuffle);
      xs.push(cx, idx);
      ys.push(cy, idx);
      positions.push(Int32Array.from({ length: n }, (_, i) => seen + i), idx);
      seen += n;
      chunkNo++;
      while (xs.rows >= o.batchSize) yield emit(o.batchSize);
    }
    if (xs && xs.rows > 0 && !o.dropLast) yield emit(xs.rows);
  }
  return { [Symbol.asyncIterator]: () => deliver(produce(), o) };
}
