// Hands out a context's sequences one request at a time; requests beyond the number of sequences wait
// in FIFO order, and queueLength() is what the server reports as its queue gauge.
import { LlmError } from "./errors.js";

/** A fixed set of resources (context sequences) leased to one request at a time. */
export class SequencePool<T> {
  private readonly free: T[];
  private readonly waiters: { resolve: (s: T) => void; reject: (e: Error) => void }[] = [];
  private closed = false;

  constructor(items: T[]) {
    this.free = [...items];
  }

  /** Requests waiting for a free sequence. */
  get queueLength(): number {
    return this.waiters.length;
  }

  /** Runs `fn` with a sequence, waiting for one when all are busy. */
  async use<R>(fn: (item: T) => Promise<R>, signal?: AbortSignal): Promise<R> {
    const item = await this.acquire(signal);
    try {
      return await fn(item);
    } finally {
      this.release(item);
    }
  }

  private acquire(signal?: AbortSignal): Promise<T> {
    if (this.closed) return Promise.reject(new LlmError("closed", "the model has been closed"));
    const item = this.free.pop();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise<T>((resolve, reject) => {
      const waiter = { resolve, reject };
      this.waiters.push(waiter);
      signal?.addEventListener("abort", () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) {
          this.waiters.splice(i, 1);
          reject(new LlmError("invalid_request", "the request was aborted while queued"));
        }
      }, { once: true });
    });
  }

  private release(item: T): void {
    const next = this.waiters.shift();
    if (next) next.resolve(item);
    else this.free.push(item);
  }

  /** Rejects every waiting request; later requests fail at once. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new LlmError("closed", "the model has been closed"));
  }
}
