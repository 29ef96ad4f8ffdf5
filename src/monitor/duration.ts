// Durations as people write them on a command line or in a query string: 90s, 30m, 1h, 7d.
import { MonitorError } from "./errors.js";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds in `text`: a number with a unit (ms, s, m, h, d, w), or a bare number of milliseconds. */
export function parseDuration(text: string, what = "duration"): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] ?? "ms"] : NaN;
  if (!(ms > 0)) throw new MonitorError(`${what} must be a positive duration such as 30m, 1h or 7d, got ${JSON.stringify(text)}`);
  return ms;
}

/** A duration in the largest unit that divides it (3600000 → "1h"), or in ms. */
export function formatDuration(ms: number): string {
  for (const unit of ["w", "d", "h", "m", "s"]) if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  return `${ms}ms`;
}
