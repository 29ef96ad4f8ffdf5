import assert from "node:assert/strict";
import { test } from "node:test";
import { heatmap, imageGrid, linePlot, scatterPlot } from "../../src/plot/index.js";
import { allElements, parseXml, type XmlElement } from "./xml.js";

function domains(svg: string): { x: number[]; y: number[]; yScale: string } {
  const area = allElements(parseXml(svg)).find((e) => e.attrs.class === "plot-area");
  assert.ok(area, "a plot-area group");
  return { x: area.attrs["data-x-domain"].split(",").map(Number), y: area.attrs["data-y-domain"].split(",").map(Number), yScale: area.attrs["data-y-scale"] };
}

function texts(svg: string): string[] {
  return allElements(parseXml(svg)).filter((e: XmlElement) => e.tag === "text").map((e) => e.text);
}

test("the XML checker rejects malformed documents", () => {
  assert.throws(() => parseXml("<svg><g></svg>"), /closes <g>/);
  assert.throws(() => parseXml('<svg a="1" a="2"/>'), /duplicate/);
  assert.throws(() => parseXml("<svg>a & b</svg>"), /bare '&'/);
  assert.throws(() => parseXml("<svg><g>"), /never closed/);
  assert.equal(parseXml('<svg><g x="1"><t>hi &amp; bye</t></g></svg>').children[0].children[0].text, "hi &amp; bye");
});

test("linePlot: well-formed, one path per series, axes cover every point", () => {
  const x = [0, 1, 2, 3, 4, 5];
  const svg = linePlot({ series: [{ name: "train <loss>", x, y: [3.2, 2.1, 1.5, 1.1, 0.9, 0.85] }, { name: "val & test", x, y: [3.4, 2.5, 2.0, 1.9, 1.95, 2.3] }], title: "Loss", xLabel: "epoch", yLabel: "loss" });
  const root = parseXml(svg);
  assert.equal(root.tag, "svg");
  assert.equal(root.attrs.width, "640");
  assert.equal(allElements(root).filter((e) => e.tag === "path" && e.attrs["data-name"]).length, 2);
  const d = domains(svg);
  assert.ok(d.x[0] <= 0 && d.x[1] >= 5, `x domain ${d.x}`);
  assert.ok(d.y[0] <= 0.85 && d.y[1] >= 3.4, `y domain ${d.y}`);
  // the domain is rounded outwards, not inflated absurdly
  assert.ok(d.y[1] - d.y[0] < 2 * (3.4 - 0.85), `y domain ${d.y} is tight`);
  const t = texts(svg);
  assert.ok(t.includes("Loss") && t.includes("epoch") && t.includes("train &lt;loss&gt;") && t.includes("val &amp; test"), t.join("|"));
});

test("linePlot: logY spans whole decades around the data; NaN breaks the line", () => {
  const svg = linePlot({ series: [{ name: "loss", x: [1, 2, 3, 4], y: [0.5, 0.02, NaN, 0.003] }], logY: true });
  const d = domains(svg);
  assert.equal(d.yScale, "log");
  assert.ok(d.y[0] <= 0.003 && d.y[1] >= 0.5, `y domain ${d.y}`);
  const path = allElements(parseXml(svg)).find((e) => e.tag === "path" && e.attrs["data-name"] === "loss")!;
  assert.equal(path.attrs.d.split("M").length - 1, 2, "two segments around the NaN");
});

test("linePlot: bad input is named", () => {
  assert.throws(() => linePlot({ series: [{ name: "a", x: [1, 2], y: [1] }] }), /series "a" has 2 x values but 1 y values/);
  assert.throws(() => linePlot({ series: [] }), /non-empty/);
  assert.throws(() => linePlot({ series: [{ name: "a", x: [1], y: [-1] }], logY: true }), /logY needs values > 0/);
  assert.throws(() => linePlot({ series: [{ name: "a", x: [1], y: [1] }], width: 0 }), /width/);
});

test("scatterPlot: points and an identity line; axes include negative and large values", () => {
  const xs = [-12, 3, 40, 7.5];
  const ys = [-10, 5, 38, 9];
  const svg = scatterPlot({ points: { x: xs, y: ys }, line: { slope: 1, intercept: 0, name: "y = x" }, xLabel: "actual", yLabel: "predicted" });
  const els = allElements(parseXml(svg));
  assert.equal(els.filter((e) => e.tag === "circle").length, 4);
  assert.equal(els.filter((e) => e.tag === "line" && e.attrs["stroke-dasharray"] === "6 4").length, 1);
  const d = domains(svg);
  assert.ok(d.x[0] <= -12 && d.x[1] >= 40 && d.y[0] <= -10 && d.y[1] >= 38, JSON.stringify(d));
  assert.ok(texts(svg).includes("y = x"));
  assert.throws(() => scatterPlot({ points: { x: [1], y: [1] }, series: [] }), /either points or series/);
  assert.throws(() => scatterPlot({ series: [{ name: "s", x: [1, 2], y: [1, 2] }], line: { slope: NaN, intercept: 0 } }), /finite/);
});

test("heatmap: one cell per entry, values written, colour range from the data", () => {
  const svg = heatmap({ matrix: [[5, 1], [0, 7]], rowLabels: ["cat", "dog"], colLabels: ["cat", "dog"], title: "Confusion", colorMap: "blues" });
  const els = allElements(parseXml(svg));
  const cells = els.find((e) => e.attrs.class === "cells")!;
  assert.equal(cells.children.length, 4);
  assert.equal([cells.attrs["data-min"], cells.attrs["data-max"]].join(), "0,7");
  const fills = cells.children.map((c) => c.attrs.fill);
  assert.notEqual(fills[2], fills[3], "0 and 7 get different colours");
  const t = texts(svg);
  for (const v of ["5", "1", "0", "7", "cat", "dog", "Confusion"]) assert.ok(t.includes(v), `text ${v}`);
  // a 28×28 saliency map: no numbers in the tiny cells
  const big = heatmap({ matrix: Array.from({ length: 28 }, (_, i) => Float32Array.from({ length: 28 }, (_, j) => i * j)) });
  assert.equal(allElements(parseXml(big)).find((e) => e.attrs.class === "cells")!.children.length, 784);
  assert.equal(texts(big).length, 2, "only the colour bar labels");
  assert.throws(() => heatmap({ matrix: [[1, 2], [3]] }), /row 1 has 1 values, row 0 has 2/);
  assert.throws(() => heatmap({ matrix: [[1]], rowLabels: ["a", "b"] }), /2 rowLabels for 1 rows/);
});

test("imageGrid: one embedded PNG per image, laid out in the requested columns", () => {
  const gray = { width: 4, height: 3, data: new Float32Array(12).fill(0.5) };
  const rgb = { width: 2, height: 2, data: new Uint8Array(12).fill(200) };
  const svg = imageGrid({ images: [gray, rgb, gray], columns: 2, labels: ["a", "b", "c"], cellSize: 40 });
  const images = allElements(parseXml(svg)).filter((e) => e.tag === "image");
  assert.equal(images.length, 3);
  for (const img of images) {
    const b64 = img.attrs.href.replace("data:image/png;base64,", "");
    assert.deepEqual([...Buffer.from(b64, "base64").subarray(1, 4)], [0x50, 0x4e, 0x47], "PNG signature");
  }
  // third image wraps to a second row
  assert.equal(images[2].attrs.x === images[0].attrs.x && Number(images[2].attrs.y) > Number(images[0].attrs.y), true);
  assert.throws(() => imageGrid({ images: [{ width: 3, height: 3, data: new Float32Array(10) }] }), /image 0 is 3×3 but has 10 values/);
  assert.throws(() => imageGrid({ images: [gray], columns: 0 }), /columns/);
});
