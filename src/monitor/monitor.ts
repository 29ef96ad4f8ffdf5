// The serving monitor: observes predict events into the prediction log, reports on any model over a
// window, and checks for drift (periodically when asked), alerting once per model and condition until
// it recovers.
import type { PredictObserver } from "../serve/events.js";
import { alertConditions, postWebhook, type AlertPayload } from "./alerts.js";
import { DEFAULT_THRESHOLDS, type DriftThresholds } from "./drift.js";
import { MonitorError } from "./errors.js";
import type { MonitoredModel, StoredAlert } from "./monitor-store.js";
import { PredictionLog } from "./prediction-log.js";
import { loadDriftReference, type DriftReference } from "./reference.js";
import { buildReport, DEFAULT_WINDOW_MS, reportWindow, type Objectives, type ReportQuery } from "./report.js";
import type { MonitorReport } from "./types.js";

/** Options for createMonitor. */
export interface MonitorOptions {
  /** Folder holding monitor.db, usually the registry root (`.ingot`). */
  root: string;
  /** Where a model version's files are (its drift-reference.json), or null when unknown. */
  modelDir: (name: string, version: number) => Promise<string | null>;
  /** Share of input rows logged for drift, 0..1 (default 1); request counts and latencies are always exact. */
  sampleRate?: number;
  /** Seed of the sampling (default 1). */
  seed?: number;
  /** Most logged rows kept per model (default 10,000). */
  maxRows?: number;
  /** Drift thresholds: PSI above `psi` (0.2) or KS p below `ksPValue` (0.01), given `minCount` (30) live rows. */
  thresholds?: Partial<DriftThresholds>;
  /** Service objectives checked in reports and alerted on. */
  objectives?: Objectives;
  /** Where alerts are POSTed as JSON (AlertPayload). */
  webhookUrl?: string;
  /** Where alert and failure lines go (default stderr). */
  log?: (line: string) => void;
  /** Run checkDrift this often, ms (default: only when called). */
  checkEveryMs?: number;
  /** The window checkDrift looks at, ms (default one hour). */
  checkWindowMs?: number;
  /** Flush the log at least this often, ms (default 200). */
  flushEveryMs?: number;
}

/** A new alert raised by checkDrift. */
export interface MonitorAlert extends StoredAlert {
  /** The figures behind it. */
  detail: unknown;
}

/** What createMonitor returns. */
export interface PredictionMonitor {
  /** Pass to the server's `onPredict`: records one predict event (never throws, never waits on disk). */
  observe: PredictObserver;
  /** A model's report over a window (default the last hour, every version). */
  report(model: string, opts?: { version?: number; windowMs?: number }): Promise<MonitorReport>;
  /** Models with traffic. */
  models(): Promise<MonitoredModel[]>;
  /** Checks every model with traffic in the check window; returns the alerts newly raised. */
  checkDrift(): Promise<MonitorAlert[]>;
  /** Writes out what is buffered and stops; further events are ignored. */
  close(): Promise<void>;
}

/** The key under which the monitor's thresholds and objectives are stored for `ingot monitor`. */
export const SETTINGS_KEY = "settings";

/** What a monitor stores of its configuration. */
export interface MonitorSettings {
  thresholds: DriftThresholds;
  objectives: Objectives;
}

function checkThresholds(t: Partial<DriftThresholds> = {}): DriftThresholds {
  const out = { ...DEFAULT_THRESHOLDS, ...t };
  if (!(out.psi > 0)) throw new MonitorError(`thresholds.psi must be > 0, got ${out.psi}`);
  if (!(out.ksPValue > 0 && out.ksPValue < 1)) throw new MonitorError(`thresholds.ksPValue must be in (0, 1), got ${out.ksPValue}`);
  if (!(Number.isInteger(out.minCount) && out.minCount >= 1)) throw new MonitorError(`thresholds.minCount must be a positive integer, got ${out.minCount}`);
  return out;
}

/** Starts monitoring into `<root>/monitor.db`. */
export function createMonitor(opts: MonitorOptions): PredictionMonitor {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const settings: MonitorSettings = { thresholds: checkThresholds(opts.thresholds), objectives: { ...opts.objectives } };
  const checkWindowMs = opts.checkWindowMs ?? DEFAULT_WINDOW_MS;
  const predictions = new PredictionLog({
    root: opts.root, sampleRate: opts.sampleRate, seed: opts.seed, maxRows: opts.maxRows, flushEveryMs: opts.flushEveryMs, log,
  });
  const store = predictions.store;
  store.setMeta(SETTINGS_KEY, settings);
  const references = new Map<string, Promise<DriftReference | null>>();

  // versions never change once registered, so a version's reference is read once
  const referenceFor = (model: string, version: number | null): Promise<DriftReference | null> => {
    if (version === null) return Promise.resolve(null);
    const key = `${model}@${version}`;
    let ref = references.get(key);
    if (!ref) {
      ref = opts.modelDir(model, version)
        .then((dir) => (dir === null ? null : loadDriftReference(dir)))
        .catch((e: Error) => {
          log(`ingot monitor: model "${model}" v${version}: no drift check: ${e.message}`);
          return null;
        });
      references.set(key, ref);
    }
    return ref;
  };

  const report = async (model: string, q: ReportQuery = {}): Promise<MonitorReport> => {
    predictions.flush();
    const { from, to, version } = reportWindow(q);
    const refVersion = version ?? store.latestVersion(model, from, to);
    return buildReport(store, model, { ...q, now: to }, await referenceFor(model, refVersion), settings);
  };

  const checkModel = async (model: string, now: number): Promise<MonitorAlert[]> => {
    const { from, to } = reportWindow({ windowMs: checkWindowMs, now });
    const version = store.latestVersion(model, from, to);
    if (version === null) return [];
    const r = buildReport(store, model, { version, windowMs: checkWindowMs, now }, await referenceFor(model, version), settings);
    const open = store.openAlerts(model);
    const raised: MonitorAlert[] = [];
    for (const c of alertConditions(r)) {
      const active = open.get(c.key);
      if (c.message !== null && !active) {
        const alert = { ...store.raiseAlert({ model, version, key: c.key, at: now, message: c.message }), detail: c.detail };
        raised.push(alert);
        log(`ingot monitor: ALERT ${c.message}`);
      } else if (c.message === null && active) {
        store.resolveAlert(active.id, now);
        log(`ingot monitor: recovered: model "${model}" v${version}: ${c.key}`);
      }
    }
    return raised;
  };

  const deliver = async (alerts: MonitorAlert[]): Promise<void> => {
    const url = opts.webhookUrl;
    if (!url) return;
    await Promise.all(alerts.map(async (a) => {
      const payload: AlertPayload = { type: "ingot.monitor.alert", model: a.model, version: a.version, key: a.key, at: a.at, message: a.message, detail: a.detail };
      const failure = await postWebhook(url, payload);
      if (failure) log(`ingot monitor: webhook ${url} failed for alert "${a.key}" of model "${a.model}": ${failure}`);
    }));
  };

  let checking: Promise<MonitorAlert[]> | null = null;
  const checkDrift = (): Promise<MonitorAlert[]> => {
    // one check at a time: a periodic check that overlaps a manual one shares its result
    checking ??= (async () => {
      try {
        predictions.flush();
        const now = Date.now();
        const raised: MonitorAlert[] = [];
        for (const m of store.models()) {
          if (m.lastSeen >= now - checkWindowMs - 60_000) raised.push(...(await checkModel(m.model, now)));
        }
        await deliver(raised);
        return raised;
      } finally {
        checking = null;
      }
    })();
    return checking;
  };

  let timer: NodeJS.Timeout | null = null;
  if (opts.checkEveryMs !== undefined) {
    if (!(opts.checkEveryMs > 0)) throw new MonitorError(`checkEveryMs must be > 0, got ${opts.checkEveryMs}`);
    timer = setInterval(() => {
      checkDrift().catch((e: Error) => log(`ingot monitor: drift check failed: ${e.message}`));
    }, opts.checkEveryMs);
    timer.unref();
  }

  return {
    observe: (event) => {
      try {
        predictions.record(event);
      } catch (e) {
        log(`ingot monitor: could not record a predict event: ${(e as Error).message}`);
      }
    },
    report: (model, q) => report(model, q),
    models: async () => {
      predictions.flush();
      return store.models();
    },
    checkDrift,
    close: async () => {
      if (timer) clearInterval(timer);
      await checking?.catch(() => undefined);
      predictions.close();
    },
  };
}
