// Scatter plots: predicted against actual, embeddings, any cloud of (x, y) points, with an optional line.
import { axes, checkSeries, clipTo, layout, legendBox, plotGroup, scales, type ChartOptions, type LegendEntry } from "./frame.js";
import { checkSize, el, nextClipId, PALETTE, svgDocument } from "./svg.js";

/** A named group of points drawn in one colour. */
export interface PointSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
}

/** A straight line y = slope·x + intercept drawn across the plot (a fit, or slope 1 for the identity). */
export interface ReferenceLine {
  slope: number;
  intercept: number;
  /** Legend name, e.g. "y = x" or "least squares". */
  name?: string;
  color?: string;
}

/** scatterPlot options: give `points` (one unnamed group) or `series` (several named groups). */
export interface ScatterPlotOptions extends ChartOptions {
  points?: { x: ArrayLike<number>; y: ArrayLike<number> };
  series?: PointSeries[];
  line?: ReferenceLine;
  /** Dot radius in pixels (default 3). */
  radius?: number;
}

/** Draws the points (and the line across the x range) and returns the SVG. Non-finite points are skipped. */
export function scatterPlot(opts: ScatterPlotOptions): string {
  const width = opts.width ?? 640, height = opts.height ?? 400;
  checkSize("scatterPlot", width, height);
  if (opts.points && opts.series) throw new Error("scatterPlot: give either points or series, not both");
  const groups: PointSeries[] = opts.series ?? (opts.points ? [{ name: "points", ...opts.points }] : []);
  if (groups.length === 0) throw new Error("scatterPlot: points or a non-empty series array is required");
  groups.forEach((s, i) => checkSeries("scatterPlot", s, i));
  const line = opts.line;
  if (line && !(Number.isFinite(line.slope) && Number.isFinite(line.intercept))) throw new RangeError(`scatterPlot: line slope and intercept must be finite, got ${line.slope} and ${line.intercept}`);
  const colors = groups.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  const lineColor = line?.color ?? "#333";
  const legend: LegendEntry[] = [
    ...(opts.series && groups.length > 1 ? groups.map((s, i): LegendEntry => ({ name: s.name, color: colors[i], mark: "point" })) : []),
    ...(line?.name ? [{ name: line.name, color: lineColor, mark: "dashed" as const }] : []),
  ];
  const area = layout(width, height, opts, legend);
  const { x, y } = scales(area, groups.map((s) => s.x), groups.map((s) => s.y), "scatterPlot");
  const r = opts.radius ?? 3;
  const dots = groups.map((s, i) => {
    const circles: string[] = [];
    for (let k = 0; k < s.x.length; k++) {
      if (Number.isFinite(s.x[k]) && Number.isFinite(s.y[k])) circles.push(el("circle", { cx: x.map(s.x[k]), cy: y.map(s.y[k]), r }));
    }
    return el("g", { fill: colors[i], "fill-opacity": 0.7, "data-name": s.name }, circles.join(""));
  });
  let lineMark = "";
  if (line) {
    const [x0, x1] = x.domain;
    lineMark = el("line", { x1: x.map(x0), y1: y.map(line.slope * x0 + line.intercept), x2: x.map(x1), y2: y.map(line.slope * x1 + line.intercept), stroke: lineColor, "stroke-width": 1.5, "stroke-dasharray": "6 4" });
  }
  const clipId = nextClipId("scatter");
  return svgDocument(width, height, el("defs", {}, clipTo(area, clipId)) + axes(area, x, y, opts, width) + plotGroup(x, y, clipId, dots.join("") + lineMark) + legendBox(legend, area));
}
