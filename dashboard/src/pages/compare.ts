// #/compare?ids=a,b: runs side by side (params that differ are marked, the best value of each metric is
// bold) and one metric's curves overlaid.
import { api } from "../api.js";
import { lineChart, type Chart } from "../charts.js";
import { card, h, table } from "../dom.js";
import { num } from "../format.js";
import type { Page } from "../router.js";

// metrics where smaller is better; everything else is taken as larger-is-better
const LOWER_IS_BETTER = /loss|error|mse|mae|rmse|perplexity/i;

/** The comparison. */
export const comparePage: Page = async (root, { query }) => {
  const ids = (query.get("ids") ?? "").split(",").filter(Boolean);
  const cmp = await api.compare(ids);
  const names = cmp.runs.map((r) => h("a", { href: `#/runs/${r.id}` }, r.name ?? r.id.slice(0, 8)));
  const paramRows = Object.entries(cmp.params).map(([k, vs]) => {
    const differs = new Set(vs).size > 1;
    return [h("span", { class: differs ? "differs" : "" }, k), ...vs.map((v) => v ?? "—")];
  });
  const metricRows = Object.entries(cmp.metrics).map(([k, vs]) => {
    const present = vs.filter((v): v is number => v !== null);
    const best = present.length ? (LOWER_IS_BETTER.test(k) ? Math.min(...present) : Math.max(...present)) : null;
    return [k, ...vs.map((v) => h("span", { class: v !== null && v === best && present.length > 1 ? "num best" : "num" }, num(v)))];
  });

  const keys = Object.keys(cmp.metrics);
  const chartBox = h("div", { class: "charts" });
  let chart: Chart | undefined;
  const draw = async (key: string): Promise<void> => {
    const histories = await Promise.all(cmp.runs.map((r) => api.metrics(r.id)));
    const steps = [...new Set(histories.flatMap((m) => (m.history[key] ?? []).map((p) => p.step)))].sort((a, b) => a - b);
    const lines = histories.map((m, i) => {
      const byStep = new Map((m.history[key] ?? []).map((p) => [p.step, p.value]));
      return { label: cmp.runs[i].name ?? cmp.runs[i].id.slice(0, 8), values: steps.map((s) => byStep.get(s) ?? null) };
    });
    chart?.destroy();
    chart = lineChart(key, steps, lines, { xLabel: "step", points: steps.length < 30 });
    chartBox.replaceChildren(chart.el);
  };

  root.append(
    h("p", { class: "crumbs" }, h("a", { href: "#/runs" }, "Runs"), " / compare"),
    h("h1", {}, `Comparing ${cmp.runs.length} runs`),
    card("Params", table(["Param", ...names], paramRows, { class: "compare" })),
    card("Metrics (last value)", table(["Metric", ...names.map((n) => n.cloneNode(true))], metricRows, { class: "compare" })),
    card("Curves",
      keys.length ? h("label", {}, "Metric ", h("select", { name: "metric", onchange: (e: Event) => void draw((e.target as HTMLSelectElement).value) }, keys.map((k) => h("option", { value: k }, k)))) : h("p", { class: "muted" }, "no metrics"),
      chartBox),
  );
  if (keys.length) await draw(keys.includes("loss") ? keys[keys.indexOf("loss")] : keys[0]);
  if (keys.includes("loss")) (root.querySelector("select[name=metric]") as HTMLSelectElement).value = "loss";
  return () => chart?.destroy();
};
