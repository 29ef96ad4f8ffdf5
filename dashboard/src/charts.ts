// uPlot charts the pages share: line charts (curves, series over time) and histograms.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { h } from "./dom.js";

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];

/** One line: its label and one y per x (null for a gap). */
export interface Line {
  label: string;
  values: (number | null)[];
}

/** A live chart: replace its data in place (used by polling pages). */
export interface Chart {
  el: HTMLElement;
  update(xs: number[], lines: Line[]): void;
  destroy(): void;
}

/** What a chart looks like. */
export interface ChartOptions {
  xLabel: string;
  yLabel?: string;
  /** x values are epoch milliseconds. */
  time?: boolean;
  /** Fix both axes to [0, 1] (ROC and PR curves). */
  unitSquare?: boolean;
  width?: number;
  height?: number;
  /** Draw points rather than only lines (few points). */
  points?: boolean;
}

function chartWidth(): number {
  return Math.max(280, Math.min(520, window.innerWidth - 96));
}

/** A line chart titled `title`; `el` carries data-chart=title so tests can find it. */
export function lineChart(title: string, xs: number[], lines: Line[], opts: ChartOptions): Chart {
  const el = h("figure", { class: "chart", "data-chart": title }, h("figcaption", {}, title));
  const toData = (x: number[], ls: Line[]): uPlot.AlignedData => [opts.time ? x.map((t) => t / 1000) : x, ...ls.map((l) => l.values)];
  const make = (ls: Line[]): uPlot =>
    new uPlot(
      {
        width: opts.width ?? chartWidth(),
        height: opts.height ?? 220,
        scales: {
          x: opts.unitSquare ? { time: false, range: [0, 1] } : { time: opts.time ?? false },
          y: opts.unitSquare ? { range: [0, 1] } : {},
        },
        axes: [{ label: opts.xLabel }, { label: opts.yLabel ?? "" }],
        legend: { show: ls.length > 1 },
        cursor: { drag: { x: true, y: false } },
        series: [{ label: opts.xLabel }, ...ls.map((l, i) => ({ label: l.label, stroke: COLORS[i % COLORS.length], width: 2, points: { show: opts.points ?? false }, spanGaps: true }))],
      },
      toData(xs, ls),
      el,
    );
  let plot = make(lines);
  let labels = lines.map((l) => l.label).join("\u0000");
  return {
    el,
    update(x, ls) {
      const next = ls.map((l) => l.label).join("\u0000");
      if (next !== labels) {
        // a new series needs a new chart; uPlot's series are fixed at creation
        plot.destroy();
        plot = make(ls);
        labels = next;
      } else plot.setData(toData(x, ls));
    },
    destroy: () => plot.destroy(),
  };
}

/** A histogram from bin edges (one more than counts). */
export function histogramChart(title: string, edges: number[], counts: number[], xLabel: string): Chart {
  const el = h("figure", { class: "chart hist", "data-chart": title }, h("figcaption", {}, title));
  const mids = counts.map((_, i) => (edges[i] + edges[i + 1]) / 2);
  const plot = new uPlot(
    {
      width: 300,
      height: 150,
      legend: { show: false },
      scales: { x: { time: false, range: [edges[0], edges[edges.length - 1]] }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.05] } },
      axes: [{ label: xLabel, size: 36 }, { size: 40 }],
      series: [{}, { label: "count", fill: "rgba(37,99,235,0.35)", stroke: COLORS[0], paths: uPlot.paths.bars!({ size: [0.95, Infinity], align: 0 }), points: { show: false } }],
    },
    [mids, counts],
    el,
  );
  return { el, update: () => undefined, destroy: () => plot.destroy() };
}
