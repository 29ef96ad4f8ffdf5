// Sequential colour maps for heatmaps: value in [0, 1] → CSS colour.

/** Viridis at nine stops (perceptually uniform, readable in greyscale and by colour-blind readers). */
const VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"];
/** White to deep blue: good for counts such as confusion matrices, where 0 should look empty. */
const BLUES = ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"];

/** The colour maps heatmap() understands. */
export type ColorMapName = "viridis" | "blues";

function hex(c: string): [number, number, number] {
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

/** The colour for `t` in [0, 1] (clamped), linearly interpolated between stops, plus its luminance. */
export function colorAt(name: ColorMapName, t: number): { color: string; luminance: number } {
  const stops = name === "blues" ? BLUES : VIRIDIS;
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const a = hex(stops[i]), b = hex(stops[i + 1]);
  const f = u - i;
  const rgb = a.map((v, k) => Math.round(v + (b[k] - v) * f));
  const luminance = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
  return { color: `#${rgb.map((v) => v.toString(16).padStart(2, "0")).join("")}`, luminance };
}
