// Builds a MonitorReport from the monitoring database: request figures from the exact per-minute
// aggregates, drift from the sampled rows against the model's drift reference. Shared by the serving
// monitor (HTTP route, alerts) and `ingot monitor` (another process reading the same file).
import type { FeatureRow } from "../serve/features.js";
import type { Prediction } from "../serve/served-model.js";
import { inputDrift, predictionDrift, type DriftThresholds } from "./drift.js";
import { MonitorError } from "./errors.js";
import { histogramQuantile, mergeHistogram, type LatencyHistogram } from "./latency-histogram.js";
import type { MonitorStore } from "./monitor-store.js";
import type { DriftReference } from "./reference.js";
import type { MonitorReport } from "./types.js";

/** Service objectives a report checks; each is listed only when set. */
export interface Objectives {
  /** Latency p99 must stay at or below this many milliseconds. */
  latencyP99Ms?: number;
  /** Failed requests / requests must stay at or below this (0..1). */
  errorRate?: number;
}

/** What a report covers. */
export interface ReportQuery {
  /** One version, or null/undefined for every version seen in the window. */
  version?: number | null;
  /** How far back from `now`, ms (default one hour). The start is rounded down to a whole minute. */
  windowMs?: number;
  /** The end of the window (default Date.now()). */
  now?: number;
}

/** The default report window: one hour. */
export const DEFAULT_WINDOW_MS = 60 * 60_000;
const MINUTE = 60_000;
/** Most chart buckets in a report's series. */
const MAX_BUCKETS = 60;
/** Most logged rows read for drift (the log holds at most maxRows per model anyway). */
const MAX_DRIFT_ROWS = 100_000;

/** Checks and fills a report query: the window in whole minutes and the version filter. */
export function reportWindow(q: ReportQuery = {}): { from: number; to: number; version: number | null } {
  const windowMs = q.windowMs ?? DEFAULT_WINDOW_MS;
  if (!(Number.isFinite(windowMs) && windowMs > 0)) throw new MonitorError(`window must be a positive number of milliseconds, got ${windowMs}`);
  const version = q.version ?? null;
  if (version !== null && !(Number.isInteger(version) && version >= 1)) throw new MonitorError(`version must be a positive integer, got ${version}`);
  const to = q.now ?? Date.now();
  return { from: Math.floor((to - windowMs) / MINUTE) * MINUTE, to, version };
}

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/**
 * A model's report over a window. `reference` is the drift reference of the version reported on
 * (for every version: the latest one seen in the window); null leaves drift empty.
 */
export function buildReport(
  store: MonitorStore, model: string, query: ReportQuery, reference: DriftReference | null,
  settings: { thresholds: DriftThresholds; objectives: Objectives },
): MonitorReport {
  const { from, to, version } = reportWindow(query);
  const minutes = store.minutes(model, version, from, to);
  let requests = 0;
  let errors = 0;
  let latencySum = 0;
  const all: LatencyHistogram = {};
  const bucketMs = MINUTE * Math.max(1, Math.ceil((to - from) / MINUTE / MAX_BUCKETS));
  const nBuckets = Math.max(1, Math.ceil((to - from) / bucketMs));
  const perBucket = Array.from({ length: nBuckets }, () => ({ requests: 0, latency: {} as LatencyHistogram }));
  for (const m of minutes) {
    requests += m.requests;
    errors += m.errors;
    latencySum += m.latencySum;
    mergeHistogram(all, m.latency);
    const b = perBucket[Math.min(nBuckets - 1, Math.floor((m.minute - from) / bucketMs))];
    b.requests += m.requests;
    mergeHistogram(b.latency, m.latency);
  }
  const t = perBucket.map((_, i) => from + i * bucketMs);
  const logged = store.predictions(model, version, from, to, MAX_DRIFT_ROWS);
  const ok = logged.filter((r) => r.error === null);
  const p99 = histogramQuantile(all, 0.99);
  const errorRate = requests === 0 ? 0 : errors / requests;

  const { thresholds, objectives: targets } = settings;
  const objectives: MonitorReport["objectives"] = [];
  if (targets.latencyP99Ms !== undefined) objectives.push({ name: "latencyP99Ms", target: targets.latencyP99Ms, actual: p99, met: p99 <= targets.latencyP99Ms });
  if (targets.errorRate !== undefined) objectives.push({ name: "errorRate", target: targets.errorRate, actual: errorRate, met: errorRate <= targets.errorRate });

  let drift: MonitorReport["drift"] = [];
  let predDrift: MonitorReport["predictionDrift"] = null;
  if (reference) {
    const rows = ok.map((r) => parseJson<FeatureRow>(r.input)).filter((r): r is FeatureRow => r !== null && typeof r === "object");
    drift = inputDrift(reference, rows, thresholds);
    const preds = ok.map((r) => parseJson<Prediction>(r.prediction)).filter((p): p is Prediction => p !== null && typeof p === "object");
    const pd = predictionDrift(reference, preds, thresholds);
    if (pd) predDrift = { psi: pd.psi, drifted: pd.drifted, ks: pd.ks, pValue: pd.pValue, count: pd.count };
  }

  return {
    model, version, from, to, logged: logged.length, requests, errors, errorRate,
    latencyMs: {
      p50: histogramQuantile(all, 0.5), p90: histogramQuantile(all, 0.9), p99,
      mean: requests === 0 ? 0 : latencySum / requests,
    },
    throughput: { t, rps: perBucket.map((b) => b.requests / (bucketMs / 1000)) },
    latencySeries: { t, p99: perBucket.map((b) => histogramQuantile(b.latency, 0.99)) },
    drift,
    predictionDrift: predDrift,
    objectives,
    alerts: store.alerts(model, version, from, to).map((a) => ({ at: a.at, message: a.message, key: a.key, version: a.version, resolvedAt: a.resolvedAt })),
    thresholds: { ...thresholds },
  };
}
