// A MonitorReport as text for a terminal: traffic, latency, objectives, a drift table and alerts.
import { formatDuration } from "./duration.js";
import type { MonitorReport } from "./types.js";

const num = (x: number): string => (x === 0 ? "0" : Math.abs(x) >= 0.001 ? String(Number(x.toPrecision(4))) : x.toExponential(1));
/** Statistics to 3 decimals (PSI, KS); p-values too small for that in exponent form. */
const stat = (x: number): string => (x === 0 || Math.abs(x) >= 0.001 ? x.toFixed(3) : x.toExponential(1));
const ms = (x: number): string => `${Number(x.toPrecision(3))} ms`;
const pct = (x: number): string => `${Number((x * 100).toPrecision(3))}%`;
const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]): string => r.map((s, j) => s.padEnd(widths[j])).join("  ").trimEnd();
  return [line(header), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(line)];
}

/** The report as readable lines; `windowMs` (what was asked for) names the window in the heading. */
export function formatReport(r: MonitorReport, opts: { windowMs?: number } = {}): string {
  const out: string[] = [];
  const version = r.version === null ? "all versions" : `version ${r.version}`;
  const last = opts.windowMs === undefined ? "" : `last ${formatDuration(opts.windowMs)}: `;
  out.push(`model "${r.model}", ${version}, ${last}${iso(r.from)} → ${iso(r.to)}`);
  out.push(`requests ${r.requests}   errors ${r.errors} (${pct(r.errorRate)})   logged rows ${r.logged}`);
  out.push(`latency  p50 ${ms(r.latencyMs.p50)}   p90 ${ms(r.latencyMs.p90)}   p99 ${ms(r.latencyMs.p99)}   mean ${ms(r.latencyMs.mean)}`);
  if (r.objectives.length > 0) {
    out.push("", "objectives");
    for (const o of r.objectives) {
      const show = o.name === "errorRate" ? pct : o.name === "latencyP99Ms" ? ms : num;
      out.push(`  ${o.met ? "met   " : "MISSED"}  ${o.name}: ${show(o.actual)} (target ≤ ${show(o.target)})`);
    }
  }
  out.push("");
  if (r.drift.length === 0) {
    out.push("drift: no drift reference for this model (save one with saveDriftReference beside the model)");
  } else {
    const t = r.thresholds;
    out.push(`drift${t ? ` (PSI > ${t.psi} or KS p < ${t.ksPValue}, from ${t.minCount} rows)` : ""}`);
    const rows = r.drift.map((f) => [
      f.feature, f.kind, String(f.count), stat(f.psi), f.ks === null ? "–" : stat(f.ks), f.pValue === null ? "–" : stat(f.pValue), f.drifted ? "DRIFT" : "ok",
    ]);
    const pd = r.predictionDrift;
    if (pd) rows.push(["(prediction)", pd.ks == null ? "class" : "score", String(pd.count ?? ""), stat(pd.psi), pd.ks == null ? "–" : stat(pd.ks), pd.pValue == null ? "–" : stat(pd.pValue), pd.drifted ? "DRIFT" : "ok"]);
    out.push(...table(["feature", "kind", "rows", "PSI", "KS", "p", ""], rows).map((l) => `  ${l}`));
  }
  out.push("", r.alerts.length === 0 ? "alerts: none" : "alerts");
  for (const a of r.alerts) out.push(`  ${iso(a.at)}  ${a.message}${a.resolvedAt ? ` (recovered ${iso(a.resolvedAt)})` : ""}`);
  return out.join("\n");
}
