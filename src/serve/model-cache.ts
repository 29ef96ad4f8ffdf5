// Loaded model versions, cached per (name, version). A version is loaded once even when many requests
// ask at the same moment; the least recently used one is dropped past `maxModels`, but its weights are
// freed only after the last request using it has finished (in-flight requests during a hot swap).
// With `workers` > 0 the weights live in inference worker threads and forward passes run there, off the
// event loop; this thread keeps only what preprocessing and reading outputs need.
import { MicroBatcher, type BatchingOptions, type Outputs } from "./batcher.js";
import type { FeatureMatrix } from "./features.js";
import type { ResolvedModel } from "./model-source.js";
import type { Module } from "../nn/module.js";
import type { Tensor } from "../tensor/tensor.js";
import { forwardRows, loadServedModel, servedModelInfo, type ServedModel, type ServedModelInfo } from "./served-model.js";
import { WorkerPool } from "./worker-pool.js";
import type { WorkerModelRef } from "./worker-protocol.js";

/** A version as this thread holds it: with its module (in-thread), or as a reference into the workers. */
type Loaded = { info: ServedModelInfo; module: Module<[Tensor], Tensor> | null; forward: (x: FeatureMatrix) => Outputs | Promise<Outputs>; free: () => void };

interface Entry {
  loaded: Promise<Loaded>;
  batcher: Promise<MicroBatcher>;
  inUse: number;
  evicted: boolean;
  disposed: boolean;
  pool: WorkerPool | null;
}

/** A pool's count of undisposed entries, and, once clear() retired it, the promise of its closing. */
interface PoolUse {
  entries: number;
  retired: { closed: Promise<void>; close: () => void } | null;
}

/** Options for ModelCache. */
export interface ModelCacheOptions {
  /** Most model versions kept loaded (default 8). */
  maxModels?: number;
  /** Micro-batching limits, or false to run every request on its own. */
  batching?: BatchingOptions | false;
  /**
   * Inference worker threads (default 0: forward passes run in this thread). With n > 0, each of n
   * workers loads every served version and batches go to the least busy one, so the event loop keeps
   * serving while a forward pass runs.
   */
  workers?: number;
  /** Called after each forward pass with its row count (for metrics). */
  onBatch?: (model: ServedModelInfo, rows: number) => void;
  /** Called when a version is loaded from disk. */
  onLoad?: (model: ServedModelInfo) => void;
}

/** A lease on a loaded model: run predictions through it, then release it. */
export interface ModelLease {
  /** How to build the model's input and read its output. */
  model: ServedModelInfo;
  /** The module, when forward passes run in this thread (`workers: 0`); null when they run in workers. */
  module: Module<[Tensor], Tensor> | null;
  /** Runs the forward pass (batched with other requests when batching is on). */
  forward(x: FeatureMatrix): Promise<Outputs>;
  /** Ends the lease; an evicted model is disposed once its last lease ends. */
  release(): void;
}

/** Caches loaded model versions by name and version. */
export class ModelCache {
  private readonly entries = new Map<string, Entry>();
  readonly maxModels: number;
  readonly workers: number;
  private currentPool: WorkerPool | null = null;
  /** Pools with entries still using them; one that clear() retired closes when its count reaches 0. */
  private readonly pools = new Map<WorkerPool, PoolUse>();
  private loads = 0;

  constructor(private readonly opts: ModelCacheOptions = {}) {
    this.maxModels = opts.maxModels ?? 8;
    this.workers = opts.workers ?? 0;
    if (!Number.isInteger(this.maxModels) || this.maxModels < 1) throw new RangeError(`ModelCache: maxModels must be a positive integer, got ${this.maxModels}`);
    if (!Number.isInteger(this.workers) || this.workers < 0) throw new RangeError(`ModelCache: workers must be a non-negative integer, got ${this.workers}`);
  }

  /** How many versions are loaded (or loading). */
  get size(): number {
    return this.entries.size;
  }

  /** The inference worker pool (started on the first load), or null with `workers: 0` or before any load. */
  get pool(): WorkerPool | null {
    return this.currentPool;
  }

  /** Leases the loaded model for `ref`, loading it on first use. */
  async acquire(ref: ResolvedModel): Promise<ModelLease> {
    const key = `${ref.name}@${ref.version}`;
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // re-insert: Map order is the LRU order
      this.entries.set(key, entry);
    } else {
      entry = this.load(key, ref);
      this.entries.set(key, entry);
      this.evict();
    }
    const e = entry;
    e.inUse++;
    try {
      const [loaded, batcher] = await Promise.all([e.loaded, e.batcher]);
      let released = false;
      return {
        model: loaded.info,
        module: loaded.module,
        forward: (x) => batcher.submit(x),
        release: () => {
          if (released) return;
          released = true;
          this.unuse(e);
        },
      };
    } catch (err) {
      this.unuse(e);
      throw err;
    }
  }

  private load(key: string, ref: ResolvedModel): Entry {
    let pool: WorkerPool | null = null;
    if (this.workers > 0) {
      pool = this.currentPool ??= new WorkerPool({ size: this.workers });
      const use = this.pools.get(pool) ?? { entries: 0, retired: null };
      use.entries++;
      this.pools.set(pool, use);
    }
    const loaded = pool ? loadInWorkers(pool, { ...ref, id: `${key}#${++this.loads}` }) : loadHere(ref);
    const batching = this.opts.batching ?? {};
    const batcher = loaded.then((m) => {
      this.opts.onLoad?.(m.info);
      const onBatch = (rows: number): void => this.opts.onBatch?.(m.info, rows);
      // without batching: one request per forward pass, through the same code path
      return new MicroBatcher(m.forward, batching === false ? { maxBatch: 1 } : batching, onBatch);
    });
    const entry: Entry = { loaded, batcher, inUse: 0, evicted: false, disposed: false, pool };
    // a failed load is not cached: the next request tries again
    loaded.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      if (!entry.evicted) {
        entry.evicted = true;
        if (entry.inUse === 0) this.dispose(entry);
      }
    });
    return entry;
  }

  private evict(): void {
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.maxModels) return;
      this.entries.delete(key);
      e.evicted = true;
      if (e.inUse === 0) this.dispose(e);
    }
  }

  private unuse(e: Entry): void {
    e.inUse--;
    if (e.evicted && e.inUse === 0) this.dispose(e);
  }

  private dispose(e: Entry): void {
    if (e.disposed) return;
    e.disposed = true;
    const freed = e.loaded.then((m) => m.free(), () => undefined);
    const use = e.pool && this.pools.get(e.pool);
    if (!use) return;
    use.entries--;
    if (use.entries === 0 && use.retired) void freed.then(use.retired.close);
  }

  /**
   * Drops every loaded model (in-flight requests keep theirs until they finish) and stops the worker
   * threads once the last of those requests is done. Resolves when they have stopped.
   */
  clear(): Promise<void> {
    const pool = this.currentPool;
    this.currentPool = null; // a later acquire starts a fresh pool
    if (pool) {
      const use = this.pools.get(pool) ?? { entries: 0, retired: null };
      let close = (): void => undefined;
      const closed = new Promise<void>((resolve) => (close = resolve)).then(() => {
        this.pools.delete(pool);
        return pool.close();
      });
      use.retired = { closed, close };
      this.pools.set(pool, use);
    }
    for (const e of this.entries.values()) {
      e.evicted = true;
      if (e.inUse === 0) this.dispose(e);
    }
    this.entries.clear();
    if (pool && this.pools.get(pool)?.entries === 0) this.pools.get(pool)?.retired?.close();
    return Promise.all([...this.pools.values()].map((u) => u.retired?.closed)).then(() => undefined);
  }
}

async function loadHere(ref: ResolvedModel): Promise<Loaded> {
  const m: ServedModel = await loadServedModel(ref);
  const { module, ...info } = m;
  return { info, module, forward: (x) => forwardRows(m, x), free: () => module.dispose() };
}

async function loadInWorkers(pool: WorkerPool, ref: WorkerModelRef): Promise<Loaded> {
  try {
    const config = await pool.load(ref);
    return { info: servedModelInfo(ref, config), module: null, forward: (x) => pool.forward(ref, x), free: () => pool.drop(ref.id) };
  } catch (e) {
    pool.drop(ref.id); // workers that did load it free it again
    throw e;
  }
}
