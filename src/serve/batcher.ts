// Dynamic micro-batching: requests for one model version that arrive close together share one forward
// pass. A batch runs as soon as it holds maxBatch rows, or maxWaitMs after its first request, and
// each request gets back exactly its own rows of the output. The forward pass may be synchronous (in
// this thread) or return a promise (an inference worker), in which case several batches can be in flight.
import { clearImmediate, clearTimeout, setImmediate, setTimeout } from "node:timers";
import type { FeatureMatrix } from "./features.js";

/** Micro-batching limits. */
export interface BatchingOptions {
  /** Run a batch once it holds this many rows (default 64). A bigger single request runs alone. */
  maxBatch?: number;
  /** Longest a request waits for company, in ms (default 0: only requests of the same event-loop turn). */
  maxWaitMs?: number;
}

/** Model outputs, `data.length / width` rows of `width`. */
export interface Outputs {
  data: Float32Array;
  width: number;
}

interface Pending {
  x: FeatureMatrix;
  resolve: (out: Outputs) => void;
  reject: (e: unknown) => void;
}

/** Collects feature rows of one model version and runs them through `forward` in batches. */
export class MicroBatcher {
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  // a queue per input width, since only rows of one width stack into a matrix
  private readonly queues = new Map<number, { items: Pending[]; rows: number; timer: { cancel(): void } | null }>();

  constructor(
    private readonly forward: (x: FeatureMatrix) => Outputs | Promise<Outputs>,
    opts: BatchingOptions = {},
    private readonly onBatch: (rows: number) => void = () => undefined,
  ) {
    this.maxBatch = opts.maxBatch ?? 64;
    this.maxWaitMs = opts.maxWaitMs ?? 0;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) throw new RangeError(`MicroBatcher: maxBatch must be a positive integer, got ${this.maxBatch}`);
    if (!Number.isFinite(this.maxWaitMs) || this.maxWaitMs < 0) throw new RangeError(`MicroBatcher: maxWaitMs must be a non-negative number, got ${this.maxWaitMs}`);
  }

  /** Queues `x`; resolves with its own output rows once its batch has run. */
  submit(x: FeatureMatrix): Promise<Outputs> {
    return new Promise((resolve, reject) => {
      let q = this.queues.get(x.width);
      if (!q) this.queues.set(x.width, (q = { items: [], rows: 0, timer: null }));
      q.items.push({ x, resolve, reject });
      q.rows += x.rows;
      if (q.rows >= this.maxBatch) this.flush(x.width);
      else if (!q.timer) q.timer = this.schedule(() => this.flush(x.width));
    });
  }

  private schedule(fn: () => void): { cancel(): void } {
    if (this.maxWaitMs === 0) {
      const h = setImmediate(fn);
      return { cancel: () => clearImmediate(h) };
    }
    const h = setTimeout(fn, this.maxWaitMs);
    return { cancel: () => clearTimeout(h) };
  }

  private flush(width: number): void {
    const q = this.queues.get(width);
    if (!q || q.items.length === 0) return;
    q.timer?.cancel();
    q.timer = null;
    // take whole requests up to maxBatch rows (at least one); the rest wait for the next batch
    const batch: Pending[] = [];
    let rows = 0;
    while (q.items.length && (batch.length === 0 || rows + q.items[0].x.rows <= this.maxBatch)) {
      const p = q.items.shift()!;
      batch.push(p);
      rows += p.x.rows;
    }
    q.rows -= rows;
    if (q.items.length) q.timer = this.schedule(() => this.flush(width));
    this.run(batch, rows, width);
  }

  private run(batch: Pending[], rows: number, width: number): void {
    const fail = (e: unknown): void => {
      for (const p of batch) p.reject(e);
    };
    let out: Outputs | Promise<Outputs>;
    try {
      // a fresh buffer the forward pass may keep (a worker takes it by transfer, without a copy)
      const data = new Float32Array(rows * width);
      let at = 0;
      for (const p of batch) {
        data.set(p.x.data, at * width);
        at += p.x.rows;
      }
      out = this.forward({ data, rows, width });
    } catch (e) {
      fail(e);
      return;
    }
    if (out instanceof Promise) out.then((o) => this.deliver(batch, rows, o), fail);
    else this.deliver(batch, rows, out);
  }

  private deliver(batch: Pending[], rows: number, out: Outputs): void {
    try {
      this.onBatch(rows);
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    if (batch.length === 1) {
      batch[0].resolve(out); // the whole output is this request's: no copy
      return;
    }
    let at = 0;
    for (const p of batch) {
      p.resolve({ data: out.data.slice(at * out.width, (at + p.x.rows) * out.width), width: out.width });
      at += p.x.rows;
    }
  }
}
