// Turns a report into alert conditions (one per drifted feature, drifted predictions, missed
// objective) and delivers new alerts: a log line, and a JSON POST to a webhook when one is set.
import type { MonitorReport } from "./types.js";

/** What a webhook receives for each new alert. */
export interface AlertPayload {
  type: "ingot.monitor.alert";
  model: string;
  version: number | null;
  /** `input:<feature>`, `prediction` or `objective:<name>`. */
  key: string;
  at: number;
  message: string;
  /** The figures behind it (a FeatureDrift, the prediction drift, or the objective). */
  detail: unknown;
}

/** One condition of a report: a message while it holds, null while it does not. */
export interface AlertCondition {
  key: string;
  message: string | null;
  detail: unknown;
}

const fmt = (x: number): string => (Math.abs(x) >= 0.001 || x === 0 ? x.toFixed(3) : x.toExponential(1));

/** The alert conditions a report shows, every one of them (holding or not) so that recovery is seen too. */
export function alertConditions(r: MonitorReport): AlertCondition[] {
  const who = `model "${r.model}"${r.version === null ? "" : ` v${r.version}`}`;
  const t = r.thresholds;
  const out: AlertCondition[] = r.drift.map((f) => ({
    key: `input:${f.feature}`,
    message: f.drifted
      ? `${who}: input "${f.feature}" drifted over ${f.count} rows: PSI ${fmt(f.psi)}${t ? ` (threshold ${t.psi})` : ""}` +
        (f.ks === null ? "" : `, KS ${fmt(f.ks)} p=${fmt(f.pValue ?? 1)}${t ? ` (threshold ${t.ksPValue})` : ""}`)
      : null,
    detail: f,
  }));
  const pd = r.predictionDrift;
  if (pd) {
    out.push({
      key: "prediction",
      message: pd.drifted ? `${who}: predictions drifted over ${pd.count ?? 0} rows: PSI ${fmt(pd.psi)}${pd.ks == null ? "" : `, KS ${fmt(pd.ks)} p=${fmt(pd.pValue ?? 1)}`}` : null,
      detail: pd,
    });
  }
  for (const o of r.objectives) {
    out.push({
      key: `objective:${o.name}`,
      message: !o.met && r.requests > 0 ? `${who}: objective ${o.name} missed: ${fmt(o.actual)} > target ${o.target} over ${r.requests} requests` : null,
      detail: o,
    });
  }
  return out;
}

/** POSTs `payload` as JSON; resolves to an error message when delivery failed, null when it worked. */
export async function postWebhook(url: string, payload: AlertPayload, timeoutMs = 5000): Promise<string | null> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "ingot-monitor" },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.ok ? null : `HTTP ${res.status}`;
  } catch (e) {
    return (e as Error).message;
  }
}
