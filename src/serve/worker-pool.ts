// A pool of inference worker threads. Every worker loads each model version itself (once) and runs the
// forward passes it is given; each batch goes to the worker with the fewest requests in hand. A worker
// that throws or exits fails only the requests it held and is replaced by a fresh one, which loads
// models again on first use. Idle workers do not keep the process alive; close() stops them all.
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { getBackend } from "../backends/registry.js";
import type { ModelConfig } from "../io/model-config.js";
import type { Outputs } from "./batcher.js";
import type { FeatureMatrix } from "./features.js";
import { fromWire, type FromWorker, type ToWorker, type WorkerModelRef, type WorkerStartData } from "./worker-protocol.js";

/** Options for WorkerPool. */
export interface WorkerPoolOptions {
  /** Number of worker threads (a positive integer). */
  size: number;
  /** Host backend the workers use (default: the one this thread uses, so results match bit for bit). */
  backend?: string;
  /**
   * Module specifiers (absolute paths or file: URLs) each worker imports before serving: the ones that
   * register an application's own layer types with registerLayer, which workers cannot see otherwise.
   */
  preload?: readonly string[];
}

interface Held {
  resolve: (msg: FromWorker) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  held: Map<number, Held>;
  progress: Int32Array;
  crash: Error | null;
  /** Whether the worker got as far as saying "ready": one that dies before is not restarted. */
  ready: boolean;
}

// From dist/ the worker is plain JavaScript. Under tsx (tests, `tsx script.ts`) this module is the .ts
// source, and Node 20 does not carry tsx's loader hooks into worker threads, so the worker first
// registers tsx itself, then imports the .ts source.
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(FROM_SOURCE ? "./inference-worker.ts" : "./inference-worker.js", import.meta.url);

function workerEntry(): { entry: URL | string; eval: boolean } {
  if (!FROM_SOURCE) return { entry: WORKER_URL, eval: false };
  const tsx = import.meta.resolve("tsx/esm/api");
  return { entry: `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`, eval: true };
}

/** Inference worker threads that load model versions and run forward passes off the main thread. */
export class WorkerPool {
  readonly size: number;
  readonly backend: string;
  private readonly preload: string[];
  private readonly slots: Slot[] = [];
  private readonly exited: Promise<void>[] = [];
  private nextRequest = 1;
  private closed = false;
  /** Why workers cannot start here (restarting them would only fail again), once one failed to. */
  private broken: Error | null = null;

  constructor(opts: WorkerPoolOptions) {
    this.size = opts.size;
    if (!Number.isInteger(this.size) || this.size < 1) throw new RangeError(`WorkerPool: size must be a positive integer, got ${this.size}`);
    this.backend = opts.backend ?? getBackend().name;
    this.preload = (opts.preload ?? []).map((p) => (p.startsWith("file:") ? p : pathToFileURL(p).href));
    for (let i = 0; i < this.size; i++) this.slots.push(this.start());
  }

  /** The live worker threads (for monitoring: threadId, performance.eventLoopUtilization()). */
  get threads(): readonly Worker[] {
    return this.slots.map((s) => s.worker);
  }

  /** Requests (loads and forwards) each worker holds now, by worker index. */
  get inFlight(): readonly number[] {
    return this.slots.map((s) => s.held.size);
  }

  /** How many workers are inside a forward pass at this instant (read from shared memory, no message). */
  forwardsRunning(): number {
    let n = 0;
    for (const s of this.slots) if (Atomics.load(s.progress, 0) !== Atomics.load(s.progress, 1)) n++;
    return n;
  }

  private start(): Slot {
    const progress = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
    const workerData: WorkerStartData = { backend: this.backend, progress, preload: this.preload };
    const { entry, eval: isCode } = workerEntry();
    const worker = new Worker(entry, { workerData, name: "ingot-inference", eval: isCode });
    const slot: Slot = { worker, held: new Map(), progress: new Int32Array(progress), crash: null, ready: false };
    const threadId = worker.threadId; // reads -1 once the thread has exited
    worker.unref();
    worker.on("message", (msg: FromWorker) => {
      if (msg.type === "ready") {
        slot.ready = true;
        return;
      }
      const h = slot.held.get(msg.request);
      if (!h) return;
      this.settle(slot, msg.request);
      if (msg.type === "failed") h.reject(fromWire(msg.error));
      else h.resolve(msg);
    });
    worker.on("error", (e) => {
      slot.crash = e;
    });
    this.exited.push(
      new Promise((resolve) => {
        worker.once("exit", (code) => {
          this.onExit(slot, threadId, code);
          resolve();
        });
      }),
    );
    return slot;
  }

  private onExit(slot: Slot, threadId: number, code: number): void {
    const why = slot.crash ? `: ${slot.crash.message}` : ` with exit code ${code}`;
    let err: Error;
    if (this.closed) err = new Error("the inference worker pool was closed while this request was running");
    else if (!slot.ready) {
      err = this.broken = new Error(`inference worker (thread ${threadId}) failed to start${why}`, { cause: slot.crash ?? undefined });
    } else err = new Error(`inference worker (thread ${threadId}) stopped${why}; the requests it held failed and it has been replaced`);
    const held = [...slot.held.values()];
    slot.held.clear();
    const i = this.slots.indexOf(slot);
    if (i >= 0 && !this.closed && slot.ready) this.slots[i] = this.start();
    for (const h of held) h.reject(err);
  }

  private settle(slot: Slot, request: number): void {
    slot.held.delete(request);
    if (slot.held.size === 0) slot.worker.unref(); // idle workers never hold the process open
  }

  private send(slot: Slot, msg: Exclude<ToWorker, { type: "drop" }>, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    if (this.closed) return Promise.reject(new Error("WorkerPool: the pool is closed"));
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      if (slot.held.size === 0) slot.worker.ref();
      slot.held.set(msg.request, { resolve, reject });
      slot.worker.postMessage(msg, transfer);
    });
  }

  /**
   * Loads `model` in every worker (each once; later forwards reuse it). Resolves with its config when all
   * have it; rejects with the loading error (the same one loadServedModel gives in this thread).
   */
  async load(model: WorkerModelRef): Promise<ModelConfig> {
    const answers = await Promise.all(this.slots.map((s) => this.send(s, { type: "load", request: this.nextRequest++, model })));
    const first = answers[0];
    if (first.type !== "loaded") throw new Error(`WorkerPool.load: unexpected answer ${first.type}`);
    return first.config;
  }

  /**
   * Runs `model` on `x` in the least busy worker. `x.data`'s buffer is transferred to the worker (it is
   * detached here afterwards) when it is a whole ArrayBuffer; otherwise it is copied.
   */
  async forward(model: WorkerModelRef, x: FeatureMatrix): Promise<Outputs> {
    let slot = this.slots[0];
    for (const s of this.slots) if (s.held.size < slot.held.size) slot = s;
    const whole = x.data.byteOffset === 0 && x.data.buffer instanceof ArrayBuffer && x.data.byteLength === x.data.buffer.byteLength;
    const data = whole ? x.data : x.data.slice();
    const msg: ToWorker = { type: "forward", request: this.nextRequest++, model, data, rows: x.rows, width: x.width };
    const answer = await this.send(slot, msg, [data.buffer as ArrayBuffer]);
    if (answer.type !== "output") throw new Error(`WorkerPool.forward: unexpected answer ${answer.type}`);
    return { data: answer.data, width: answer.width };
  }

  /** Tells every worker to free `id` (after the forwards already sent to it). */
  drop(id: string): void {
    if (this.closed) return;
    for (const s of this.slots) s.worker.postMessage({ type: "drop", id } satisfies ToWorker);
  }

  /** Stops every worker; requests still held fail. Resolves once all threads have exited. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const s of this.slots) void s.worker.terminate();
    }
    await Promise.all(this.exited);
  }
}
