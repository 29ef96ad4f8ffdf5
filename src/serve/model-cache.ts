// Loaded model versions, cached per (name, version). A version is loaded once even when many requests
// ask at the same moment; the least recently used one is dropped past `maxModels`, but its weights are
// freed only after the last request using it has finished (in-flight requests during a hot swap).
import { MicroBatcher, type BatchingOptions, type Outputs } from "./batcher.js";
import type { FeatureMatrix } from "./features.js";
import type { ResolvedModel } from "./model-source.js";
import { forwardRows, loadServedModel, type ServedModel } from "./served-model.js";

interface Entry {
  model: Promise<ServedModel>;
  batcher: Promise<MicroBatcher>;
  inUse: number;
  evicted: boolean;
}

/** Options for ModelCache. */
export interface ModelCacheOptions {
  /** Most model versions kept loaded (default 8). */
  maxModels?: number;
  /** Micro-batching limits, or false to run every request on its own. */
  batching?: BatchingOptions | false;
  /** Called after each forward pass with its row count (for metrics). */
  onBatch?: (model: ServedModel, rows: number) => void;
  /** Called when a version is loaded from disk. */
  onLoad?: (model: ServedModel) => void;
}

/** A lease on a loaded model: run predictions through it, then release it. */
export interface ModelLease {
  model: ServedModel;
  /** Runs the forward pass (batched with other requests when batching is on). */
  forward(x: FeatureMatrix): Promise<Outputs>;
  /** Ends the lease; an evicted model is disposed once its last lease ends. */
  release(): void;
}

/** Caches loaded model versions by name and version. */
export class ModelCache {
  private readonly entries = new Map<string, Entry>();
  readonly maxModels: number;

  constructor(private readonly opts: ModelCacheOptions = {}) {
    this.maxModels = opts.maxModels ?? 8;
    if (!Number.isInteger(this.maxModels) || this.maxModels < 1) throw new RangeError(`ModelCache: maxModels must be a positive integer, got ${this.maxModels}`);
  }

  /** How many versions are loaded (or loading). */
  get size(): number {
    return this.entries.size;
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
      const [model, batcher] = await Promise.all([e.model, e.batcher]);
      let released = false;
      return {
        model,
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
    const model = loadServedModel(ref);
    const batching = this.opts.batching ?? {};
    const batcher = model.then((m) => {
      this.opts.onLoad?.(m);
      const onBatch = (rows: number): void => this.opts.onBatch?.(m, rows);
      // without batching: one request per forward pass, through the same code path
      return new MicroBatcher((x) => forwardRows(m, x), batching === false ? { maxBatch: 1 } : batching, onBatch);
    });
    // a failed load is not cached: the next request tries again
    model.catch(() => {
      if (this.entries.get(key)?.model === model) this.entries.delete(key);
    });
    return { model, batcher, inUse: 0, evicted: false };
  }

  private evict(): void {
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.maxModels) return;
      this.entries.delete(key);
      e.evicted = true;
      if (e.inUse === 0) dispose(e);
    }
  }

  private unuse(e: Entry): void {
    e.inUse--;
    if (e.evicted && e.inUse === 0) dispose(e);
  }

  /** Drops every loaded model (in-flight requests keep theirs until they finish). */
  clear(): void {
    for (const e of this.entries.values()) {
      e.evicted = true;
      if (e.inUse === 0) dispose(e);
    }
    this.entries.clear();
  }
}

function dispose(e: Entry): void {
  e.model.then((m) => m.module.dispose(), () => undefined);
}
