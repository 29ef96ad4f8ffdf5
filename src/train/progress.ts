/**
 * A terminal progress bar with rate, ETA and live metrics. On a TTY it redraws one line; otherwise
 * (CI logs, pipes) it prints a plain line at most every `logEveryMs`, so logs stay readable.
 */
export interface ProgressOptions {
  total: number;
  label?: string;
  width?: number;
  stream?: NodeJS.WriteStream;
  logEveryMs?: number;
  unit?: string;
}

export class ProgressBar {
  private readonly start = performance.now();
  private lastLog = 0;
  private current = 0;
  private readonly stream: NodeJS.WriteStream;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
  }

  update(current: number, metrics: Record<string, number> = {}): void {
    this.current = current;
    const now = performance.now();
    const done = current >= this.opts.total;
    if (!this.stream.isTTY && !done && now - this.lastLog < (this.opts.logEveryMs ?? 2000)) return;
    this.lastLog = now;
    const line = this.render(now, metrics);
    if (this.stream.isTTY) this.stream.write(`\r${line}\x1b[K${done ? "\n" : ""}`);
    else this.stream.write(`${line}\n`);
  }

  private render(now: number, metrics: Record<string, number>): string {
    const { total, label = "", width = 24, unit = "it" } = this.opts;
    const frac = total > 0 ? Math.min(1, this.current / total) : 1;
    const filled = Math.round(frac * width);
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    const secs = (now - this.start) / 1000;
    const rate = secs > 0 ? this.current / secs : 0;
    const eta = rate > 0 ? (total - this.current) / rate : 0;
    const ms = Object.entries(metrics)
      .map(([k, v]) => `${k} ${formatNumber(v)}`)
      .join("  ");
    return `${label ? label + " " : ""}${bar} ${this.current}/${total}  ${formatNumber(rate)} ${unit}/s  ETA ${formatDuration(eta)}${ms ? "  " + ms : ""}`;
  }
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v); // counts (steps, samples) stay whole
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(3) : v.toFixed(4);
}

export function formatDuration(secs: number): string {
  if (!Number.isFinite(secs)) return "?";
  const s = Math.round(secs);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}
