// Line charts: loss curves, forecasts against actuals, anything indexed by a number.
import { axes, checkSeries, clipTo, layout, legendBox, plotGroup, scales, type ChartOptions, type LegendEntry } from "./frame.js";
import { checkSize, el, nextClipId, num, PALETTE, svgDocument } from "./svg.js";

/** One line: its legend name and the points in drawing order. */
export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Stroke colour (default: the palette, in order). */
  color?: string;
  /** Draw dashed (e.g. a baseline or a forecast). */
  dashed?: boolean;
}

/** linePlot options. */
export interface LinePlotOptions extends ChartOptions {
  series: LineSeries[];
  /** Logarithmic y axis (values ≤ 0 are left out). */
  logY?: boolean;
}

/**
 * Draws one line per series and returns the SVG. Non-finite points (and, with logY, values ≤ 0) break
 * the line instead of failing, so a loss curve that hit NaN still plots up to that point.
 */
export function linePlot(opts: LinePlotOptions): string {
  const width = opts.width ?? 640, height = opts.height ?? 400;
  checkSize("linePlot", width, height);
  if (!Array.isArray(opts.series) || opts.series.length === 0) throw new Error("linePlot: series must be a non-empty array");
  opts.series.forEach((s, i) => checkSeries("linePlot", s, i));
  const colors = opts.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  const legend: LegendEntry[] = opts.series.length > 1 ? opts.series.map((s, i) => ({ name: s.name, color: colors[i], mark: s.dashed ? "dashed" : "line" })) : [];
  const area = layout(width, height, opts, legend);
  const { x, y } = scales(area, opts.series.map((s) => s.x), opts.series.map((s) => s.y), "linePlot", opts.logY);
  const drawable = (xv: number, yv: number): boolean => Number.isFinite(xv) && Number.isFinite(yv) && (!opts.logY || yv > 0);
  const marks = opts.series.map((s, i) => {
    let d = "", pen = false, count = 0, lastX = 0, lastY = 0;
    for (let k = 0; k < s.x.length; k++) {
      if (!drawable(s.x[k], s.y[k])) {
        pen = false;
        continue;
      }
      lastX = x.map(s.x[k]);
      lastY = y.map(s.y[k]);
      d += `${pen ? "L" : "M"}${num(lastX)},${num(lastY)}`;
      pen = true;
      count++;
    }
    // a lone point has no segment to stroke; show it as a dot
    if (count === 1) return el("circle", { cx: lastX, cy: lastY, r: 3, fill: colors[i] });
    if (count === 0) return "";
    return el("path", { d, fill: "none", stroke: colors[i], "stroke-width": 1.8, "stroke-linejoin": "round", "stroke-dasharray": s.dashed ? "6 4" : undefined, "data-name": s.name });
  });
  const clipId = nextClipId("line");
  return svgDocument(width, height, el("defs", {}, clipTo(area, clipId)) + axes(area, x, y, opts, width) + plotGroup(x, y, clipId, marks.join("")) + legendBox(legend, area));
}
