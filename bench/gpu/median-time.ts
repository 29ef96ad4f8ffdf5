// Median wall time of a GPU step: warm-up calls first, then each timed call ends with a device
// synchronisation so queued work is counted. The PyTorch twins use median_time.py.

/** Runs `step` warmup times, then iters timed times; returns the median ms and every trial, sorted. */
export function medianTime(step: () => void, synchronize: () => void, warmup: number, iters: number): { ms: number; trials: number[] } {
  for (let i = 0; i < warmup; i++) step();
  synchronize();
  const trials: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    step();
    synchronize();
    trials.push(performance.now() - t0);
  }
  trials.sort((a, b) => a - b);
  return { ms: trials[Math.floor(trials.length / 2)], trials };
}
