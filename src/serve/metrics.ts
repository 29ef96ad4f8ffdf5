// Prometheus metrics written by hand in the text exposition format (version 0.0.4): counters and
// histograms keyed by label sets. Small on purpose: the server needs nothing more, and no dependency.

/** Label names → values for one series. */
export type Labels = Record<string, string>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** A series key that is the same whatever order the labels were given in. */
function keyOf(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function formatNumber(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return Number.isNaN(v) ? "NaN" : String(v);
}

/** A monotonically increasing count per label set. */
export class Counter {
  private readonly series = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}

  /** Adds `by` (default 1) to the series of `labels`. */
  inc(labels: Labels = {}, by = 1): void {
    const k = keyOf(labels);
    const s = this.series.get(k);
    if (s) s.value += by;
    else this.series.set(k, { labels: { ...labels }, value: by });
  }

  /** The current value for `labels` (0 if never incremented). */
  get(labels: Labels = {}): number {
    return this.series.get(keyOf(labels))?.value ?? 0;
  }

  /** The exposition lines: HELP, TYPE, then one sample per series. */
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const s of this.series.values()) lines.push(`${this.name}${labelText(s.labels)} ${formatNumber(s.value)}`);
    return lines;
  }
}

/** Observations counted into cumulative buckets (upper bounds `le`), with their sum and count. */
export class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  readonly buckets: number[];

  constructor(readonly name: string, readonly help: string, buckets: readonly number[]) {
    if (!buckets.length || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]))) {
      throw new RangeError(`Histogram ${name}: buckets must be finite and strictly increasing, got ${JSON.stringify(buckets)}`);
    }
    this.buckets = buckets.slice();
  }

  /** Records one observation for `labels`. */
  observe(labels: Labels, value: number): void {
    const k = keyOf(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { labels: { ...labels }, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  /** The exposition lines: cumulative `_bucket` samples (ending at +Inf), `_sum` and `_count`. */
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${labelText(s.labels, ["le", formatNumber(b)])} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${labelText(s.labels, ["le", "+Inf"])} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${formatNumber(s.sum)}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

/** The serving metrics. */
export class ServeMetrics {
  /** Requests by route, method, status, model, version. */
  readonly requests = new Counter("ingot_http_requests_total", "HTTP requests by route, method, status code, model and version.");
  /** Request latency. */
  readonly latency = new Histogram("ingot_http_request_duration_seconds", "HTTP request latency in seconds.", [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
  /** Errors by route, kind (client or server) and code. */
  readonly errors = new Counter("ingot_http_errors_total", "HTTP error responses by route, kind (client/server) and error code.");
  /** Rows per forward pass, which shows micro-batching at work. */
  readonly batchRows = new Histogram("ingot_batch_rows", "Rows per model forward pass.", [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);
  /** Predicted rows per model version. */
  readonly predictions = new Counter("ingot_predictions_total", "Rows predicted per model and version.");
  /** Model versions loaded into memory. */
  readonly modelLoads = new Counter("ingot_model_loads_total", "Model versions loaded from their model directory.");

  /** All metrics in the text exposition format. */
  render(): string {
    return [this.requests, this.latency, this.errors, this.batchRows, this.predictions, this.modelLoads].flatMap((m) => m.render()).join("\n") + "\n";
  }
}
