// #/runs/:id: one run's params, tags, metric curves (polled every 2 s while it is running) and its
// held-out evaluation (confusion matrix, ROC and precision-recall curves).
import { api } from "../api.js";
import { lineChart, type Chart } from "../charts.js";
import { badge, card, h, table } from "../dom.js";
import { duration, num, when } from "../format.js";
import type { Page } from "../router.js";
import type { MetricPoint, RunEvaluation } from "../types.js";
import { confusionMatrixTable } from "./confusion.js";

const POLL_MS = 2000;

function kv(record: Record<string, string | number>): HTMLElement {
  const keys = Object.keys(record).sort();
  return keys.length ? table(["Key", "Value"], keys.map((k) => [k, typeof record[k] === "number" ? num(record[k]) : String(record[k])]), { class: "kv" }) : h("p", { class: "muted" }, "none");
}

/** Curves of every metric, one chart per metric, updated in place on each poll. */
function curves(history: Record<string, MetricPoint[]>, charts: Map<string, Chart>, box: HTMLElement): void {
  for (const [key, points] of Object.entries(history)) {
    // a metric logged once (a final test score) is a number, not a curve: the metrics table shows it
    if (points.length < 2) continue;
    const xs = points.map((p) => p.step);
    const lines = [{ label: key, values: points.map((p) => p.value) }];
    const existing = charts.get(key);
    if (existing) existing.update(xs, lines);
    else {
      const c = lineChart(key, xs, lines, { xLabel: "step", points: points.length < 30 });
      charts.set(key, c);
      box.append(c.el);
    }
  }
}

function evaluationCard(ev: RunEvaluation, charts: Chart[]): HTMLElement {
  const parts: (HTMLElement | null)[] = [h("p", { class: "muted" }, `${ev.task} · scored on the ${ev.split} split`), kv(ev.metrics)];
  if (ev.confusionMatrix) parts.push(h("h3", {}, "Confusion matrix"), confusionMatrixTable(ev.confusionMatrix, ev.classes));
  const plots = h("div", { class: "charts" });
  if (ev.roc) {
    const c = lineChart(`ROC (AUC ${num(ev.roc.auc)})`, ev.roc.fpr, [{ label: "TPR", values: ev.roc.tpr }, { label: "chance", values: ev.roc.fpr }], { xLabel: "false positive rate", yLabel: "true positive rate", unitSquare: true, width: 340, height: 300 });
    c.el.dataset.chart = "roc";
    charts.push(c);
    plots.append(c.el);
  }
  if (ev.pr) {
    // uPlot wants ascending x: recall falls as the threshold rises, so reverse when needed
    const rising = ev.pr.recall.length < 2 || ev.pr.recall[0] <= ev.pr.recall[ev.pr.recall.length - 1];
    const rec = rising ? ev.pr.recall : [...ev.pr.recall].reverse();
    const prec = rising ? ev.pr.precision : [...ev.pr.precision].reverse();
    const c = lineChart(`Precision-recall (AP ${num(ev.pr.averagePrecision)})`, rec, [{ label: "precision", values: prec }], { xLabel: "recall", yLabel: "precision", unitSquare: true, width: 340, height: 300 });
    c.el.dataset.chart = "pr";
    charts.push(c);
    plots.append(c.el);
  }
  if (plots.childElementCount) parts.push(plots);
  return card("Evaluation", ...parts);
}

/** One run. */
export const runPage: Page = async (root, { params: [id] }) => {
  const [detail, metrics] = await Promise.all([api.run(id), api.metrics(id)]);
  const { run } = detail;
  const charts = new Map<string, Chart>();
  const evalCharts: Chart[] = [];
  const status = h("span", { class: "run-status" }, badge(run.status));
  const live = h("span", { class: "live", hidden: run.status !== "running" }, "● live");
  const stepInfo = h("span", { class: "muted", "data-last-step": "" });
  const curveBox = h("div", { class: "charts" });
  const showSteps = (history: Record<string, MetricPoint[]>): void => {
    const steps = Object.values(history).flatMap((ps) => ps.map((p) => p.step));
    stepInfo.textContent = steps.length ? `last step ${Math.max(...steps)}` : "no metrics logged yet";
    stepInfo.dataset.lastStep = steps.length ? String(Math.max(...steps)) : "";
  };

  root.append(
    h("p", { class: "crumbs" }, h("a", { href: "#/runs" }, "Runs"), " / ", run.experiment),
    h("h1", {}, run.name ?? run.id, " ", status, " ", live),
    h("p", { class: "muted" }, `id ${run.id} · started ${when(run.startTime)} · ${duration(run.startTime, run.endTime)}`),
    card("Curves", stepInfo, curveBox),
    h("div", { class: "grid" },
      card("Params", kv(run.params)),
      card("Metrics (last value)", kv(run.metrics)),
      card("Tags", kv(run.tags)),
      card("Artifacts", run.artifacts.length ? table(["Name", "Size"], run.artifacts.map((a) => [a.name, `${num(a.size)} B`])) : h("p", { class: "muted" }, "none"))),
    detail.evaluation ? evaluationCard(detail.evaluation, evalCharts) : card("Evaluation", h("p", { class: "muted" }, detail.evaluationError ?? "This run logged no evaluation.json.")),
  );
  curves(metrics.history, charts, curveBox);
  showSteps(metrics.history);

  let timer: number | undefined;
  let stopped = false;
  const poll = async (): Promise<void> => {
    try {
      const m = await api.metrics(id);
      if (stopped) return;
      curves(m.history, charts, curveBox);
      showSteps(m.history);
      status.replaceChildren(badge(m.status));
      live.hidden = m.status !== "running";
      if (m.status !== "running") return;
    } catch {
      // a failed poll is retried on the next tick
    }
    if (!stopped) timer = window.setTimeout(() => void poll(), POLL_MS);
  };
  if (run.status === "running") timer = window.setTimeout(() => void poll(), POLL_MS);

  return () => {
    stopped = true;
    window.clearTimeout(timer);
    for (const c of charts.values()) c.destroy();
    for (const c of evalCharts) c.destroy();
  };
};
