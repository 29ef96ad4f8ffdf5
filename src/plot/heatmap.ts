// Heatmaps: confusion matrices (counts written in the cells) and saliency maps (many small cells).
import { colorAt, type ColorMapName } from "./colormap.js";
import { checkSize, el, formatTick, svgDocument, text, THEME } from "./svg.js";

/** heatmap options. */
export interface HeatmapOptions {
  /** Rows of equal length; NaN cells are drawn grey. */
  matrix: ArrayLike<number>[];
  rowLabels?: string[];
  colLabels?: string[];
  title?: string;
  /** Axis titles, e.g. "actual" (rows) and "predicted" (columns). */
  rowTitle?: string;
  colTitle?: string;
  /** Colour map (default "viridis"; "blues" suits counts). */
  colorMap?: ColorMapName;
  /** Write each value in its cell (default: when cells are at least 28 px). */
  showValues?: boolean;
  /** Pixel size of the whole chart (default: square cells that fit 560 × 560). */
  width?: number;
  height?: number;
}

/** Draws the matrix as coloured cells with a colour bar and returns the SVG. */
export function heatmap(opts: HeatmapOptions): string {
  const m = opts.matrix;
  if (!Array.isArray(m) || m.length === 0) throw new Error("heatmap: matrix must be a non-empty array of rows");
  const cols = m[0].length;
  if (cols === 0) throw new Error("heatmap: matrix rows must not be empty");
  m.forEach((row, i) => {
    if (row.length !== cols) throw new RangeError(`heatmap: row ${i} has ${row.length} values, row 0 has ${cols}`);
  });
  if (opts.rowLabels && opts.rowLabels.length !== m.length) throw new RangeError(`heatmap: ${opts.rowLabels.length} rowLabels for ${m.length} rows`);
  if (opts.colLabels && opts.colLabels.length !== cols) throw new RangeError(`heatmap: ${opts.colLabels.length} colLabels for ${cols} columns`);

  let lo = Infinity, hi = -Infinity;
  for (const row of m) for (let j = 0; j < cols; j++) if (Number.isFinite(row[j])) { lo = Math.min(lo, row[j]); hi = Math.max(hi, row[j]); }
  if (lo > hi) lo = hi = 0;
  const span = hi - lo || 1;

  const rowLabelWidth = opts.rowLabels ? 12 + 7 * Math.max(...opts.rowLabels.map((l) => l.length)) : 8;
  const left = rowLabelWidth + (opts.rowTitle ? 22 : 0);
  const top = (opts.title ? 40 : 12) + (opts.colLabels ? 22 : 0) + (opts.colTitle ? 20 : 0);
  const barWidth = 70;
  const width = opts.width ?? Math.min(560, Math.max(200, 28 * cols)) + left + barWidth + 16;
  const height = opts.height ?? Math.min(560, Math.max(200, 28 * m.length)) + top + 16;
  checkSize("heatmap", width, height);
  const gridW = width - left - barWidth - 16, gridH = height - top - 16;
  const cw = gridW / cols, ch = gridH / m.length;
  const showValues = opts.showValues ?? (cw >= 28 && ch >= 20);

  const cells: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < m.length; i++) for (let j = 0; j < cols; j++) {
    const v = m[i][j];
    const finite = Number.isFinite(v);
    const { color, luminance } = finite ? colorAt(opts.colorMap ?? "viridis", (v - lo) / span) : { color: "#ccc", luminance: 0.8 };
    // a hairline overlap hides the anti-aliasing seams between neighbouring cells
    cells.push(el("rect", { x: left + j * cw, y: top + i * ch, width: cw + 0.3, height: ch + 0.3, fill: color }));
    if (showValues && finite) {
      const label = Number.isInteger(v) ? String(v) : formatTick(v, span / 100);
      values.push(text(left + (j + 0.5) * cw, top + (i + 0.5) * ch + 4, label, { "text-anchor": "middle", "font-size": 11, fill: luminance > 0.55 ? THEME.text : "#fff" }));
    }
  }

  const parts: string[] = [el("g", { class: "cells", "data-min": lo, "data-max": hi }, cells.join("")), values.join("")];
  if (opts.rowLabels) opts.rowLabels.forEach((l, i) => parts.push(text(left - 6, top + (i + 0.5) * ch + 4, l, { "text-anchor": "end", "font-size": 11 })));
  if (opts.colLabels) opts.colLabels.forEach((l, j) => parts.push(text(left + (j + 0.5) * cw, top - 8, l, { "text-anchor": "middle", "font-size": 11 })));
  if (opts.rowTitle) {
    const cy = top + gridH / 2;
    parts.push(text(14, cy, opts.rowTitle, { "text-anchor": "middle", transform: `rotate(-90 14 ${cy})`, fill: THEME.muted }));
  }
  if (opts.colTitle) parts.push(text(left + gridW / 2, top - (opts.colLabels ? 30 : 8), opts.colTitle, { "text-anchor": "middle", fill: THEME.muted }));
  if (opts.title) parts.push(text(width / 2, 24, opts.title, { "text-anchor": "middle", "font-size": 15, "font-weight": 600 }));
  parts.push(colorBar(opts.colorMap ?? "viridis", lo, hi, left + gridW + 16, top, gridH));
  return svgDocument(width, height, parts.join(""));
}

/** A vertical gradient from the map's low to high colour, labelled with the data's min and max. */
function colorBar(map: ColorMapName, lo: number, hi: number, x: number, top: number, h: number): string {
  const bands: string[] = [];
  const n = 32;
  for (let k = 0; k < n; k++) bands.push(el("rect", { x, y: top + (h * (n - 1 - k)) / n, width: 12, height: h / n + 0.3, fill: colorAt(map, k / (n - 1)).color }));
  const step = (hi - lo) / 10 || 1;
  return (
    el("g", { class: "color-bar" }, bands.join("")) +
    text(x + 16, top + 10, formatTick(hi, step), { "font-size": 11, fill: THEME.muted }) +
    text(x + 16, top + h, formatTick(lo, step), { "font-size": 11, fill: THEME.muted })
  );
}
