// #/data: the offline catalog; #/data/:name: a dataset's profile (per-column statistics, histograms,
// target balance and warnings), as `ingot data profile` computes it.
import { api } from "../api.js";
import { histogramChart, type Chart } from "../charts.js";
import { badge, card, h, table } from "../dom.js";
import { num, pct } from "../format.js";
import type { Page } from "../router.js";
import type { ColumnProfile } from "../types.js";

function stat(c: ColumnProfile, v: number | undefined): string {
  if (v === undefined) return "—";
  return c.type === "date" ? new Date(v).toISOString().slice(0, 10) : num(v);
}

const catalogPage: Page = async (root) => {
  const { datasets } = await api.datasets();
  root.append(
    h("h1", {}, "Data"),
    card("Offline catalog", table(["Dataset", "Kind", "Rows", "Columns", "Target", "Description"], datasets.map((d) => [
      h("a", { href: `#/data/${encodeURIComponent(d.name)}` }, d.name), d.kind, num(d.rows), d.columns.length, d.target ?? "—", d.description,
    ]), { class: "datasets" })),
  );
};

const profilePage: Page = async (root, { params: [name] }) => {
  root.append(h("p", { class: "crumbs" }, h("a", { href: "#/data" }, "Data"), " / ", name), h("h1", {}, name), h("p", { class: "muted loading" }, "Profiling…"));
  const d = await api.profile(name);
  root.querySelector(".loading")?.remove();
  const p = d.profile;
  const charts: Chart[] = [];
  const hists = h("div", { class: "charts" });
  for (const c of p.columns) {
    if (!c.histogram) continue;
    const chart = histogramChart(c.name, c.histogram.edges, c.histogram.counts, c.type === "date" ? "epoch ms" : c.name);
    charts.push(chart);
    hists.append(chart.el);
  }
  const parts = [
    h("p", { class: "muted" }, d.description),
    h("div", { class: "stats" },
      h("div", { class: "stat" }, h("b", {}, num(p.numRows)), "rows profiled"),
      h("div", { class: "stat" }, h("b", {}, p.numColumns), "columns"),
      h("div", { class: "stat" }, h("b", {}, p.warnings.length), "warnings")),
    p.warnings.length ? card("Warnings", h("ul", { class: "warnings" }, p.warnings.map((w) => h("li", {}, badge(w.kind, "warn"), " ", w.message)))) : null,
    card("Columns", table(["Column", "Type", "Missing", "Distinct", "Mean", "Std", "Min", "Median", "Max", "Top values"], p.columns.map((c) => [
      h("strong", {}, c.name), c.type, `${c.missing} (${num(c.missingPct)}%)`, num(c.distinct),
      c.type === "number" ? num(c.summary?.mean) : "—", c.type === "number" ? num(c.summary?.std) : "—",
      stat(c, c.summary?.min), stat(c, c.summary?.q50), stat(c, c.summary?.max),
      h("small", {}, c.top.slice(0, 3).map((t) => `${t.value.length > 24 ? `${t.value.slice(0, 23)}…` : t.value} (${t.count})`).join(", ")),
    ]), { class: "profile" })),
    p.target ? card(`Target "${p.target.column}"`, table(["Class", "Count", "Share"], p.target.balance.map((b) => [b.value, b.count, pct(b.fraction)]), { class: "balance" })) : null,
    hists.childElementCount ? card("Histograms", hists) : null,
  ];
  root.append(...parts.filter((x): x is HTMLElement => x !== null));
  return () => charts.forEach((c) => c.destroy());
};

/** The catalog, or one dataset's profile. */
export const dataPage: Page = (root, route) => (route.params.length ? profilePage(root, route) : catalogPage(root, route));
