// #/monitor: pick a model; #/monitor/:model: its latency, throughput, objectives, input and prediction
// drift and alerts over a window, refreshed every 5 s.
import { api, ApiError } from "../api.js";
import { lineChart, type Chart } from "../charts.js";
import { badge, card, errorBox, h, table } from "../dom.js";
import { num, pct, when } from "../format.js";
import { go, type Page } from "../router.js";
import type { MonitorReport } from "../types.js";

const REFRESH_MS = 5000;
const WINDOWS: [string, number][] = [["15 minutes", 15 * 60_000], ["1 hour", 3_600_000], ["24 hours", 86_400_000]];

const pickPage: Page = async (root) => {
  const { models } = await api.models();
  root.append(h("h1", {}, "Monitor"), card("Models", models.length
    ? h("ul", { class: "links" }, models.map((m) => h("li", {}, h("a", { href: `#/monitor/${encodeURIComponent(m.name)}` }, m.name))))
    : h("p", { class: "muted" }, "No models registered.")));
};

function summary(r: MonitorReport): HTMLElement {
  const s = (value: string, label: string): HTMLElement => h("div", { class: "stat" }, h("b", {}, value), label);
  return h("div", { class: "stats" },
    s(num(r.requests), "requests"), s(num(r.errors), "errors"), s(pct(r.errorRate), "error rate"),
    s(`${num(r.latencyMs.p50)} ms`, "latency p50"), s(`${num(r.latencyMs.p99)} ms`, "latency p99"), s(num(r.logged), "predictions logged"));
}

function driftTable(r: MonitorReport): HTMLElement {
  if (r.drift.length === 0) return h("p", { class: "muted" }, "No drift reference for this model.");
  return table(["Feature", "Kind", "PSI", "KS", "p-value", "Rows", ""], r.drift.map((d) => [
    h("strong", {}, d.feature), d.kind, num(d.psi), num(d.ks), num(d.pValue), num(d.count), d.drifted ? badge("drifted", "failed") : badge("ok", "finished"),
  ]), { class: "drift" });
}

function predictionDrift(r: MonitorReport): HTMLElement {
  const d = r.predictionDrift;
  if (!d) return h("p", { class: "muted" }, "unknown (no training predictions to compare with)");
  const ks = d.ks === undefined || d.ks === null ? "" : ` · KS ${num(d.ks)} (p ${num(d.pValue ?? null)})`;
  const count = d.count === undefined ? "" : ` · ${num(d.count)} predictions`;
  return h("p", {}, `PSI ${num(d.psi)}${ks}${count} `, d.drifted ? badge("drifted", "failed") : badge("ok", "finished"));
}

const reportPage: Page = async (root, { params: [model], query }) => {
  const windowMs = Number(query.get("window")) || WINDOWS[1][1];
  const content = h("div");
  const charts: Chart[] = [];
  root.append(
    h("p", { class: "crumbs" }, h("a", { href: "#/monitor" }, "Monitor"), " / ", model),
    h("h1", {}, model, " ", h("a", { class: "small", href: `#/models/${encodeURIComponent(model)}` }, "versions →")),
    h("form", { class: "filters", onsubmit: (e: Event) => e.preventDefault() }, h("label", {}, "Window ",
      h("select", { name: "window", onchange: (e: Event) => go(`#/monitor/${encodeURIComponent(model)}?window=${(e.target as HTMLSelectElement).value}`) },
        WINDOWS.map(([label, ms]) => h("option", { value: ms, selected: ms === windowMs }, label))))),
    content,
  );
  const draw = (r: MonitorReport): void => {
    // the charts are made once and updated in place on each refresh, so they do not flicker
    if (charts.length === 0) {
      const latency = lineChart("Latency p99 (ms)", r.latencySeries.t, [{ label: "p99 ms", values: r.latencySeries.p99 }], { xLabel: "time", time: true });
      const rps = lineChart("Throughput (requests/s)", r.throughput.t, [{ label: "req/s", values: r.throughput.rps }], { xLabel: "time", time: true });
      latency.el.dataset.chart = "latency";
      rps.el.dataset.chart = "throughput";
      charts.push(latency, rps);
    } else {
      charts[0].update(r.latencySeries.t, [{ label: "p99 ms", values: r.latencySeries.p99 }]);
      charts[1].update(r.throughput.t, [{ label: "req/s", values: r.throughput.rps }]);
    }
    const [latency, rps] = charts;
    content.replaceChildren(
      h("p", { class: "muted" }, `${r.version === null ? "all versions" : `version ${r.version}`} · ${when(r.from)} – ${when(r.to)}`),
      summary(r),
      card("Service", h("div", { class: "charts" }, latency.el, rps.el)),
      h("div", { class: "grid" },
        card("Objectives", r.objectives.length ? table(["Objective", "Target", "Actual", ""], r.objectives.map((o) => [o.name, num(o.target), num(o.actual), o.met ? badge("met", "finished") : badge("missed", "failed")])) : h("p", { class: "muted" }, "none set")),
        card("Prediction drift", predictionDrift(r)),
        card("Alerts", r.alerts.length
          ? h("ul", { class: "alerts" }, r.alerts.map((a) => h("li", {}, `${when(a.at)} ${a.message} `, a.resolvedAt ? badge(`resolved ${when(a.resolvedAt)}`, "finished") : null)))
          : h("p", { class: "muted" }, "none"))),
      card("Input drift", driftTable(r)),
    );
  };
  try {
    draw(await api.monitor(model, windowMs));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      content.replaceChildren(errorBox(err.describe()));
      return;
    }
    throw err;
  }
  let stopped = false;
  const timer = window.setInterval(() => {
    api.monitor(model, windowMs).then((r) => !stopped && draw(r), () => undefined);
  }, REFRESH_MS);
  return () => {
    stopped = true;
    window.clearInterval(timer);
    for (const c of charts) c.destroy();
  };
};

/** The model picker, or one model's report. */
export const monitorPage: Page = (root, route) => (route.params.length ? reportPage(root, route) : pickPage(root, route));
