// The monitoring database `<root>/monitor.db` (SQLite, WAL): sampled prediction rows, exact per-minute
// request aggregates, alerts and the serving monitor's settings. The server's monitor writes it in
// batches; `ingot monitor` opens it read-only from another process at the same time.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import type Database from "better-sqlite3";
import { MonitorError } from "./errors.js";
import { mergeHistogram, type LatencyHistogram } from "./latency-histogram.js";

// the native SQLite binding loads when a monitor is created, not when `ingot` is imported
const loadSqlite = (): typeof Database => createRequire(import.meta.url)("better-sqlite3") as typeof Database;

/** The database file under a monitoring root. */
export const MONITOR_DB = "monitor.db";
/** Stands for "no version" in the aggregates' primary key (SQLite keys treat NULLs as distinct). */
const NO_VERSION = -1;
const BUSY_TIMEOUT_MS = 15_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS predictions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, version INTEGER, at INTEGER NOT NULL,
  latency_ms REAL NOT NULL, error TEXT, input TEXT, prediction TEXT);
CREATE INDEX IF NOT EXISTS predictions_model_id ON predictions (model, id);
CREATE INDEX IF NOT EXISTS predictions_model_at ON predictions (model, at);
CREATE TABLE IF NOT EXISTS minutes (
  model TEXT NOT NULL, version INTEGER NOT NULL, minute INTEGER NOT NULL, requests INTEGER NOT NULL,
  errors INTEGER NOT NULL, rows INTEGER NOT NULL, latency_sum REAL NOT NULL, latency_hist TEXT NOT NULL,
  PRIMARY KEY (model, version, minute));
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, version INTEGER, key TEXT NOT NULL,
  at INTEGER NOT NULL, message TEXT NOT NULL, resolved_at INTEGER);
CREATE INDEX IF NOT EXISTS alerts_model_at ON alerts (model, at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** One logged (sampled) prediction row. */
export interface LoggedPrediction {
  model: string;
  version: number | null;
  at: number;
  latencyMs: number;
  /** The error code when the request failed. */
  error: string | null;
  /** The raw input row, as JSON text (null for failed requests). */
  input: string | null;
  /** The prediction, as JSON text (null for failed requests). */
  prediction: string | null;
}

/** Exact request figures for one model version in one minute. */
export interface MinuteAggregate {
  model: string;
  version: number | null;
  /** Start of the minute, epoch ms. */
  minute: number;
  requests: number;
  errors: number;
  /** Input rows predicted (a request may carry many). */
  rows: number;
  latencySum: number;
  latency: LatencyHistogram;
}

/** An alert raised by the monitor; open until `resolvedAt` is set. */
export interface StoredAlert {
  id: number;
  model: string;
  version: number | null;
  /** What it is about, e.g. `input:Body Mass (g)`, `prediction`, `objective:latencyP99Ms`. */
  key: string;
  at: number;
  message: string;
  resolvedAt: number | null;
}

/** A model the log has seen. */
export interface MonitoredModel {
  model: string;
  versions: number[];
  requests: number;
  /** Start of the last minute with traffic, epoch ms. */
  lastSeen: number;
}

interface MinuteRow {
  model: string;
  version: number;
  minute: number;
  requests: number;
  errors: number;
  rows: number;
  latency_sum: number;
  latency_hist: string;
}

/** Model/version filter: version null = every version. */
const versionClause = (version: number | null): string => (version === null ? "" : " AND version = ?");
const versionArgs = (version: number | null): number[] => (version === null ? [] : [version]);

/** The monitoring database. Open with `openMonitorStore`. */
export class MonitorStore {
  private readonly db: Database.Database;

  /** @internal use openMonitorStore */
  constructor(readonly file: string, readonly readonly: boolean) {
    const Sqlite = loadSqlite();
    if (readonly && !existsSync(file)) throw new MonitorError(`no monitoring data at ${file}: serve the model with monitoring on first`);
    this.db = new Sqlite(file, { timeout: BUSY_TIMEOUT_MS, readonly, fileMustExist: readonly });
    if (!readonly) {
      this.db.pragma("journal_mode = WAL");
      // NORMAL: a power cut may lose the last batches of monitoring data, never corrupt the file
      this.db.pragma("synchronous = NORMAL");
      this.db.exec(SCHEMA);
    } else if (!this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'minutes'").get()) {
      this.db.close();
      throw new MonitorError(`${file} is not a monitoring database (no minutes table)`);
    }
  }

  /** Writes one batch in a single transaction: logged rows, aggregates merged into their minutes, then trims each model to `maxRows` logged rows. */
  writeBatch(rows: readonly LoggedPrediction[], minutes: readonly MinuteAggregate[], maxRows: number): void {
    const insert = this.db.prepare("INSERT INTO predictions (model, version, at, latency_ms, error, input, prediction) VALUES (?, ?, ?, ?, ?, ?, ?)");
    const getMinute = this.db.prepare("SELECT latency_hist FROM minutes WHERE model = ? AND version = ? AND minute = ?");
    const upsert = this.db.prepare(`INSERT INTO minutes (model, version, minute, requests, errors, rows, latency_sum, latency_hist)
      VALUES (@model, @version, @minute, @requests, @errors, @rows, @latencySum, @hist)
      ON CONFLICT (model, version, minute) DO UPDATE SET requests = requests + excluded.requests, errors = errors + excluded.errors,
        rows = rows + excluded.rows, latency_sum = latency_sum + excluded.latency_sum, latency_hist = excluded.latency_hist`);
    const trim = this.db.prepare(`DELETE FROM predictions WHERE model = ? AND id <= (
      SELECT id FROM predictions WHERE model = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`);
    this.db.transaction(() => {
      for (const r of rows) insert.run(r.model, r.version, r.at, r.latencyMs, r.error, r.input, r.prediction);
      for (const m of minutes) {
        const version = m.version ?? NO_VERSION;
        const old = getMinute.get(m.model, version, m.minute) as { latency_hist: string } | undefined;
        const hist = old ? mergeHistogram(JSON.parse(old.latency_hist) as LatencyHistogram, m.latency) : m.latency;
        upsert.run({ model: m.model, version, minute: m.minute, requests: m.requests, errors: m.errors, rows: m.rows, latencySum: m.latencySum, hist: JSON.stringify(hist) });
      }
      for (const model of new Set(rows.map((r) => r.model))) trim.run(model, model, maxRows);
    }).immediate();
  }

  /** Drops aggregates and logged rows older than `before` (epoch ms). */
  prune(before: number): void {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM minutes WHERE minute < ?").run(before);
      this.db.prepare("DELETE FROM predictions WHERE at < ?").run(before);
    }).immediate();
  }

  /** Per-minute aggregates of `model` (one version or all) whose minute starts in [from, to], oldest first. */
  minutes(model: string, version: number | null, from: number, to: number): MinuteAggregate[] {
    const rows = this.db.prepare(`SELECT * FROM minutes WHERE model = ?${versionClause(version)} AND minute >= ? AND minute <= ? ORDER BY minute`)
      .all(model, ...versionArgs(version), from, to) as MinuteRow[];
    return rows.map((r) => ({
      model: r.model, version: r.version === NO_VERSION ? null : r.version, minute: r.minute, requests: r.requests, errors: r.errors,
      rows: r.rows, latencySum: r.latency_sum, latency: JSON.parse(r.latency_hist) as LatencyHistogram,
    }));
  }

  /** Logged rows of `model` (one version or all) in [from, to], newest first, at most `limit`. */
  predictions(model: string, version: number | null, from: number, to: number, limit: number): LoggedPrediction[] {
    return this.db.prepare(`SELECT model, version, at, latency_ms AS latencyMs, error, input, prediction FROM predictions
      WHERE model = ?${versionClause(version)} AND at >= ? AND at <= ? ORDER BY id DESC LIMIT ?`)
      .all(model, ...versionArgs(version), from, to, limit) as LoggedPrediction[];
  }

  /** How many rows are logged for `model`. */
  loggedCount(model: string): number {
    return (this.db.prepare("SELECT count(*) AS n FROM predictions WHERE model = ?").get(model) as { n: number }).n;
  }

  /** Every model with traffic, with its versions (null-version failures left out). */
  models(): MonitoredModel[] {
    const rows = this.db.prepare(`SELECT model, group_concat(DISTINCT version) AS versions, sum(requests) AS requests, max(minute) AS lastSeen
      FROM minutes GROUP BY model ORDER BY model`).all() as { model: string; versions: string; requests: number; lastSeen: number }[];
    return rows.map((r) => ({
      model: r.model, requests: r.requests, lastSeen: r.lastSeen,
      versions: r.versions.split(",").map(Number).filter((v) => v !== NO_VERSION).sort((a, b) => a - b),
    }));
  }

  /** The highest version of `model` with traffic in [from, to], or null. */
  latestVersion(model: string, from: number, to: number): number | null {
    const r = this.db.prepare("SELECT max(version) AS v FROM minutes WHERE model = ? AND minute >= ? AND minute <= ? AND version != ?")
      .get(model, from, to, NO_VERSION) as { v: number | null };
    return r.v;
  }

  /** Records a new open alert; returns it. */
  raiseAlert(a: Omit<StoredAlert, "id" | "resolvedAt">): StoredAlert {
    const id = Number(this.db.prepare("INSERT INTO alerts (model, version, key, at, message) VALUES (?, ?, ?, ?, ?)")
      .run(a.model, a.version, a.key, a.at, a.message).lastInsertRowid);
    return { ...a, id, resolvedAt: null };
  }

  /** Marks an alert resolved. */
  resolveAlert(id: number, at: number): void {
    this.db.prepare("UPDATE alerts SET resolved_at = ? WHERE id = ?").run(at, id);
  }

  /** The open alerts of `model`, by key. */
  openAlerts(model: string): Map<string, StoredAlert> {
    const rows = this.db.prepare("SELECT id, model, version, key, at, message, resolved_at AS resolvedAt FROM alerts WHERE model = ? AND resolved_at IS NULL")
      .all(model) as StoredAlert[];
    return new Map(rows.map((a) => [a.key, a]));
  }

  /** Alerts of `model` (one version or all) raised in [from, to], oldest first. */
  alerts(model: string, version: number | null, from: number, to: number): StoredAlert[] {
    return this.db.prepare(`SELECT id, model, version, key, at, message, resolved_at AS resolvedAt FROM alerts
      WHERE model = ?${versionClause(version)} AND at >= ? AND at <= ? ORDER BY id`)
      .all(model, ...versionArgs(version), from, to) as StoredAlert[];
  }

  /** A stored setting (JSON), or null. */
  getMeta<T>(key: string): T | null {
    const r = this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    return r ? (JSON.parse(r.value) as T) : null;
  }

  /** Stores a setting as JSON. */
  setMeta(key: string, value: unknown): void {
    this.db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, JSON.stringify(value));
  }

  /** Closes the database. */
  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Opens `<root>/monitor.db`: for writing (created when missing), or read-only for another process to report from. */
export function openMonitorStore(file: string, opts: { readonly?: boolean } = {}): MonitorStore {
  return new MonitorStore(file, opts.readonly ?? false);
}
