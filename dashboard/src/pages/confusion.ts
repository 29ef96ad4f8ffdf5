// A confusion matrix as a table whose cells are shaded by their share of the true class's row.
import { h } from "../dom.js";

/** confusionMatrix[true][predicted] with class names; cells carry data-count for tests and tools. */
export function confusionMatrixTable(matrix: number[][], classes?: string[]): HTMLElement {
  const names = classes ?? matrix.map((_, i) => String(i));
  const head = h("tr", {}, h("th", { class: "corner" }, "true \\ predicted"), names.map((n) => h("th", {}, n)));
  const rows = matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    return h("tr", {}, h("th", {}, names[i]), row.map((count, j) => {
      const share = count / total;
      // diagonal (right) in blue, off-diagonal (wrong) in red, stronger with a larger share
      const hue = i === j ? "37,99,235" : "220,38,38";
      return h("td", { class: "cm-cell", "data-count": count, title: `true ${names[i]}, predicted ${names[j]}: ${count}`, style: `background: rgba(${hue},${(0.08 + 0.72 * share).toFixed(3)}); color: ${share > 0.55 ? "#fff" : "inherit"}` }, count);
    }));
  });
  return h("table", { class: "confusion" }, h("thead", {}, head), h("tbody", {}, rows));
}
