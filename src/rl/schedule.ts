// Exploration schedules: epsilon as a function of the step (or episode) count.

/** ε (or any rate) at step t ≥ 0. */
export type Schedule = (t: number) => number;

/** `start` falling linearly to `end` over `steps`, then held at `end`. */
export function linearSchedule(start: number, end: number, steps: number): Schedule {
  return (t) => (t >= steps ? end : start + ((end - start) * t) / steps);
}

/** start·decay^t, never below `end`. */
export function exponentialSchedule(start: number, end: number, decay: number): Schedule {
  return (t) => Math.max(end, start * decay ** t);
}

/** The same value at every step. */
export function constantSchedule(value: number): Schedule {
  return () => value;
}
