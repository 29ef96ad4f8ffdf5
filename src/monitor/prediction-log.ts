// The prediction log: every predict event is counted into exact per-minute aggregates (requests,
// errors, rows, a latency histogram), and a seeded random sample of its input rows is kept with the
// predictions for drift. Events are buffered in memory and written in batches from a timer, so the
// request path never waits on disk.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FeatureRow } from "../serve/features.js";
import { Generator } from "../tensor/random.js";
import type { PredictEvent } from "../serve/events.js";
import { MonitorError } from "./errors.js";
import { addLatency } from "./latency-histogram.js";
import { MONITOR_DB, openMonitorStore, type LoggedPrediction, type MinuteAggregate, type MonitorStore } from "./monitor-store.js";

/** Options for PredictionLog. */
export interface PredictionLogOptions {
  /** Folder holding monitor.db (created when missing). */
  root: string;
  /** Share of input rows logged with their predictions, 0..1 (default 1). Counts are always exact. */
  sampleRate?: number;
  /** Seed of the sampling generator, so a run is reproducible (default 1). */
  seed?: number;
  /** Most logged rows kept per model; older ones are deleted (default 10,000). */
  maxRows?: number;
  /** Flush at least this often, ms (default 200). */
  flushEveryMs?: number;
  /** Flush as soon as this many rows are buffered (default 500). */
  flushRows?: number;
  /** Aggregates and rows older than this are deleted, ms (default 30 days). */
  retentionMs?: number;
  /** Where flush failures are reported (default stderr). */
  log?: (line: string) => void;
}

const MINUTE = 60_000;
/** Rows buffered beyond this while the disk is stuck are dropped (aggregates still count them). */
const MAX_BUFFERED_ROWS = 100_000;

/** Numeric `inputs` rows as feature rows keyed "0", "1", ..., so a reference built the same way can compare them. */
export function inputsAsRows(inputs: readonly (readonly number[])[]): FeatureRow[] {
  return inputs.map((row) => Object.fromEntries(row.map((v, j) => [String(j), v])));
}

function checkRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new MonitorError(`sampleRate must be between 0 and 1, got ${rate}`);
  return rate;
}

function checkPositiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new MonitorError(`${name} must be a positive integer, got ${v}`);
  return v;
}

/** A buffered, sampled, bounded log of predict events in `<root>/monitor.db`. */
export class PredictionLog {
  /** The database (also readable for reports). */
  readonly store: MonitorStore;
  private readonly sampleRate: number;
  private readonly maxRows: number;
  private readonly flushRows: number;
  private readonly retentionMs: number;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private rows: LoggedPrediction[] = [];
  private minutes = new Map<string, MinuteAggregate>();
  private readonly timer: NodeJS.Timeout;
  private flushQueued = false;
  private lastPrune = 0;
  private closed = false;

  constructor(opts: PredictionLogOptions) {
    this.sampleRate = checkRate(opts.sampleRate ?? 1);
    this.maxRows = checkPositiveInt("maxRows", opts.maxRows ?? 10_000);
    this.flushRows = checkPositiveInt("flushRows", opts.flushRows ?? 500);
    this.retentionMs = opts.retentionMs ?? 30 * 24 * 60 * MINUTE;
    // seeded so a replayed traffic log samples the same rows
    const g = new Generator(opts.seed ?? 1);
    this.random = () => g.random();
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    mkdirSync(opts.root, { recursive: true });
    this.store = openMonitorStore(join(opts.root, MONITOR_DB));
    this.timer = setInterval(() => this.flushQuietly(), checkPositiveInt("flushEveryMs", opts.flushEveryMs ?? 200));
    this.timer.unref();
  }

  /** Counts one event and samples its rows into the buffer; never touches the disk. */
  record(e: PredictEvent): void {
    if (this.closed) return;
    const minute = Math.floor(e.at / MINUTE) * MINUTE;
    const key = `${e.model}\u0000${e.version ?? ""}\u0000${minute}`;
    let agg = this.minutes.get(key);
    if (!agg) {
      agg = { model: e.model, version: e.version, minute, requests: 0, errors: 0, rows: 0, latencySum: 0, latency: {} };
      this.minutes.set(key, agg);
    }
    agg.requests++;
    agg.latencySum += e.latencyMs;
    addLatency(agg.latency, e.latencyMs);
    const base = { model: e.model, version: e.version, at: e.at, latencyMs: e.latencyMs };
    if (e.error) {
      agg.errors++;
      if (this.random() < this.sampleRate) this.push({ ...base, error: e.error.code, input: null, prediction: null });
    } else {
      const rows = e.rows ?? (e.inputs ? inputsAsRows(e.inputs) : []);
      agg.rows += rows.length;
      rows.forEach((row, i) => {
        if (this.random() < this.sampleRate) {
          this.push({ ...base, error: null, input: JSON.stringify(row), prediction: JSON.stringify(e.predictions?.[i] ?? null) });
        }
      });
    }
    if (this.rows.length >= this.flushRows && !this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flushQuietly());
    }
  }

  private push(row: LoggedPrediction): void {
    if (this.rows.length < MAX_BUFFERED_ROWS) this.rows.push(row);
  }

  /** Writes everything buffered in one transaction. */
  flush(): void {
    this.flushQueued = false;
    if (this.rows.length === 0 && this.minutes.size === 0) return;
    const rows = this.rows;
    const minutes = [...this.minutes.values()];
    this.rows = [];
    this.minutes = new Map();
    this.store.writeBatch(rows, minutes, this.maxRows);
    const now = Date.now();
    if (now - this.lastPrune > MINUTE) {
      this.lastPrune = now;
      this.store.prune(now - this.retentionMs);
    }
  }

  private flushQuietly(): void {
    try {
      this.flush();
    } catch (e) {
      // monitoring must never take the server down; the batch is lost, later ones are written
      this.log(`ingot monitor: writing the prediction log failed: ${(e as Error).message}`);
    }
  }

  /** Flushes what is buffered, stops the timer and closes the database. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    try {
      this.flush();
    } finally {
      this.store.close();
    }
  }
}
