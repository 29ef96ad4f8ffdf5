// The small SVG vocabulary every chart shares: escaping, number formatting, the theme, the page shell.

/** Colours for series, in order (Tableau 10: distinguishable, print-friendly). */
export const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

/** The look shared by all charts. */
export const THEME = {
  font: "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif",
  text: "#222",
  muted: "#666",
  grid: "#e6e6e6",
  axis: "#999",
  background: "#fff",
} as const;

/** Escapes text for use in element content or a double-quoted attribute. */
export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A coordinate with at most two decimals (keeps files small; sub-pixel precision is invisible). */
export function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** Renders an element; attributes whose value is undefined are left out. */
export function el(tag: string, attrs: Record<string, string | number | undefined>, children = ""): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === "number" ? num(v) : esc(v as string)}"`)
    .join("");
  return children === "" ? `<${tag}${a}/>` : `<${tag}${a}>${children}</${tag}>`;
}

/** A text element in the chart font. */
export function text(x: number, y: number, content: string, attrs: Record<string, string | number | undefined> = {}): string {
  return el("text", { x, y, fill: THEME.text, "font-size": 12, ...attrs }, esc(content));
}

/** The outer <svg> with a white background and the chart font. */
export function svgDocument(width: number, height: number, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}" font-family="${esc(THEME.font)}">` +
    el("rect", { width, height, fill: THEME.background }) +
    body +
    `</svg>\n`
  );
}

/** A short label for a tick value; `step` decides how many decimals matter. */
export function formatTick(v: number, step: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(Math.max(0, Math.min(3, -Math.floor(Math.log10(step / a)) ))).replace(/\.?0+e/, "e");
  const decimals = Math.max(0, Math.min(8, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/** Checks a chart's pixel size option. */
export function checkSize(fn: string, width: number, height: number): void {
  for (const [k, v] of [["width", width], ["height", height]] as const) {
    if (!Number.isFinite(v) || v < 50 || v > 20000) throw new RangeError(`${fn}: ${k} must be between 50 and 20000 pixels, got ${v}`);
  }
}

let clipCounter = 0;

/** A unique element id, so several charts can be inlined in one HTML page without clashing. */
export function nextClipId(kind: string): string {
  return `${kind}-clip-${++clipCounter}`;
}
