/**
 * The timing loop shared by the Ingot worker (the PyTorch worker mirrors it in Python): warm up, then
 * time up to `iters` iterations with a monotonic clock, stopping early once `budgetMs` is spent
 * (at least `minIters` timed iterations always run).
 */
export interface TimingOptions {
  iters: number;
  warmup: number;
  budgetMs: number;
  minIters: number;
  /** Called after every iteration (the worker prints it, so a killed run still shows how far it got). */
  onIter?: (phase: "warmup" | "timed", ms: number) => void;
}

export interface Timing {
  samplesMs: number[];
  medianMs: number;
  minMs: number;
  meanMs: number;
  warmupMs: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Awaits each step, so a workload may be asynchronous (fit() is); a synchronous step costs one microtask. */
export async function timeLoop(step: () => unknown, o: TimingOptions): Promise<Timing> {
  const w0 = performance.now();
  for (let i = 0; i < o.warmup; i++) {
    const t0 = performance.now();
    await step();
    o.onIter?.("warmup", performance.now() - t0);
    // a very slow workload: one warm-up iteration is enough
    if (performance.now() - w0 > o.budgetMs / 2) break;
  }
  const warmupMs = performance.now() - w0;
  const samplesMs: number[] = [];
  let spent = 0;
  for (let i = 0; i < o.iters; i++) {
    const t0 = performance.now();
    await step();
    const dt = performance.now() - t0;
    samplesMs.push(dt);
    o.onIter?.("timed", dt);
    spent += dt;
    if (samplesMs.length >= o.minIters && spent > o.budgetMs) break;
  }
  return {
    samplesMs,
    medianMs: median(samplesMs),
    minMs: Math.min(...samplesMs),
    meanMs: samplesMs.reduce((a, b) => a + b, 0) / samplesMs.length,
    warmupMs,
  };
}
