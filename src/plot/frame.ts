// The frame shared by x/y charts (line and scatter): layout, grid, axes with ticks, labels, title, legend.
import { extent, linearScale, logScale, type Scale } from "./scale.js";
import { el, formatTick, num, text, THEME } from "./svg.js";

/** Options every x/y chart takes. */
export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Pixel size of the whole chart (default 640 × 400). */
  width?: number;
  height?: number;
}

/** One legend row: a name and how its mark looks. */
export interface LegendEntry {
  name: string;
  color: string;
  mark: "line" | "point" | "dashed";
}

/** The plot area in pixels. */
export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

const CHAR_WIDTH = 7; // rough width of a 12px character, enough to reserve room for labels

/** Where the plot area sits, leaving room for the title, axis labels and a legend on the right. */
export function layout(width: number, height: number, opts: ChartOptions, legend: LegendEntry[]): PlotArea {
  const legendWidth = legend.length ? Math.min(220, 36 + CHAR_WIDTH * Math.max(...legend.map((e) => e.name.length))) : 0;
  const left = opts.yLabel ? 72 : 56;
  const top = opts.title ? 40 : 16;
  const bottom = opts.xLabel ? 52 : 34;
  const right = 16 + legendWidth;
  return { left, top, width: Math.max(10, width - left - right), height: Math.max(10, height - top - bottom) };
}

/** x and y scales over the given data, fitted to the plot area (y grows upwards). */
export function scales(area: PlotArea, xs: ArrayLike<number>[], ys: ArrayLike<number>[], fn: string, logY = false): { x: Scale; y: Scale } {
  const xr = extent(xs);
  const yr = extent(ys, logY ? (v) => Number.isFinite(v) && v > 0 : Number.isFinite);
  if (!xr || !yr) throw new Error(`${fn}: no finite data points to plot${logY ? " (logY needs values > 0)" : ""}`);
  const x = linearScale(xr[0], xr[1], [area.left, area.left + area.width], Math.max(2, Math.round(area.width / 90)));
  const yRange: [number, number] = [area.top + area.height, area.top];
  const y = logY ? logScale(yr[0], yr[1], yRange) : linearScale(yr[0], yr[1], yRange, Math.max(2, Math.round(area.height / 60)));
  return { x, y };
}

/** Grid lines, the axis lines, tick labels, axis titles and the chart title. */
export function axes(area: PlotArea, x: Scale, y: Scale, opts: ChartOptions, totalWidth: number): string {
  const bottom = area.top + area.height;
  const right = area.left + area.width;
  const parts: string[] = [];
  for (const t of x.ticks) {
    const px = x.map(t);
    parts.push(el("line", { x1: px, y1: area.top, x2: px, y2: bottom, stroke: THEME.grid }));
    parts.push(text(px, bottom + 16, formatTick(t, x.step), { "text-anchor": "middle", fill: THEME.muted, "font-size": 11 }));
  }
  for (const t of y.ticks) {
    const py = y.map(t);
    parts.push(el("line", { x1: area.left, y1: py, x2: right, y2: py, stroke: THEME.grid }));
    const label = y.log ? formatLogTick(t) : formatTick(t, y.step);
    parts.push(text(area.left - 6, py + 4, label, { "text-anchor": "end", fill: THEME.muted, "font-size": 11 }));
  }
  parts.push(el("path", { d: `M${num(area.left)},${num(area.top)}V${num(bottom)}H${num(right)}`, fill: "none", stroke: THEME.axis }));
  if (opts.xLabel) parts.push(text(area.left + area.width / 2, bottom + 38, opts.xLabel, { "text-anchor": "middle" }));
  if (opts.yLabel) {
    const cy = area.top + area.height / 2;
    parts.push(text(16, cy, opts.yLabel, { "text-anchor": "middle", transform: `rotate(-90 16 ${num(cy)})` }));
  }
  if (opts.title) parts.push(text(totalWidth / 2, 24, opts.title, { "text-anchor": "middle", "font-size": 15, "font-weight": 600 }));
  return el("g", { class: "axes" }, parts.join(""));
}

function formatLogTick(v: number): string {
  const e = Math.round(Math.log10(v));
  return e >= -3 && e <= 4 ? String(Number(v.toPrecision(1))) : `1e${e}`;
}

/** The legend, in the right margin beside the plot area. */
export function legendBox(entries: LegendEntry[], area: PlotArea): string {
  if (!entries.length) return "";
  const x = area.left + area.width + 14;
  const rows = entries.map((e, i) => {
    const y = area.top + 8 + i * 18;
    const mark =
      e.mark === "point"
        ? el("circle", { cx: x + 9, cy: y, r: 4, fill: e.color })
        : el("line", { x1: x, y1: y, x2: x + 18, y2: y, stroke: e.color, "stroke-width": 2, "stroke-dasharray": e.mark === "dashed" ? "5 3" : undefined });
    return mark + text(x + 24, y + 4, e.name);
  });
  return el("g", { class: "legend" }, rows.join(""));
}

/** A clip path id and element so marks stay inside the plot area. */
export function clipTo(area: PlotArea, id: string): string {
  return el("clipPath", { id }, el("rect", { x: area.left, y: area.top, width: area.width, height: area.height }));
}

/** The group that holds the marks; it records the axis domains so readers (and tests) can check them. */
export function plotGroup(x: Scale, y: Scale, clipId: string, marks: string): string {
  return el(
    "g",
    { class: "plot-area", "clip-path": `url(#${clipId})`, "data-x-domain": `${x.domain[0]},${x.domain[1]}`, "data-y-domain": `${y.domain[0]},${y.domain[1]}`, "data-y-scale": y.log ? "log" : "linear" },
    marks,
  );
}

/** Validates one named series: equal-length numeric x and y. */
export function checkSeries(fn: string, s: { name?: string; x: ArrayLike<number>; y: ArrayLike<number> }, i: number): void {
  const label = s.name !== undefined ? `series "${s.name}"` : `series ${i}`;
  if (!s.x || !s.y || typeof s.x.length !== "number" || typeof s.y.length !== "number") throw new TypeError(`${fn}: ${label} needs x and y arrays`);
  if (s.x.length !== s.y.length) throw new RangeError(`${fn}: ${label} has ${s.x.length} x values but ${s.y.length} y values`);
}
