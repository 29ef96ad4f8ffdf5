import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { heatmap, imageGrid, linePlot, savePlot, savePng } from "../../src/plot/index.js";

type Sharp = (input: Buffer | string) => { metadata(): Promise<{ width?: number; height?: number; format?: string }>; raw(): { toBuffer(o: { resolveWithObject: true }): Promise<{ data: Buffer; info: { channels: number; width: number } }> } };
const sharp = createRequire(import.meta.url)("sharp") as Sharp;

test("savePlot writes the SVG into new folders, with no temp file left", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ingot-plot-"));
  try {
    const svg = linePlot({ series: [{ name: "a", x: [0, 1], y: [1, 2] }] });
    const path = join(dir, "deep", "er", "line.svg");
    await savePlot(path, svg);
    assert.equal(await readFile(path, "utf8"), svg);
    assert.deepEqual(await readdir(join(dir, "deep", "er")), ["line.svg"]);
    await assert.rejects(savePlot(join(dir, "x.svg"), "not svg"), /expected an SVG string/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("savePng renders at the SVG's pixel size (and scaled), with real pixels", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ingot-plot-"));
  try {
    const svg = linePlot({ series: [{ name: "a", x: [0, 1, 2], y: [1, 3, 2] }], width: 500, height: 300, title: "t" });
    await savePng(join(dir, "a", "line.png"), svg);
    const meta = await sharp(join(dir, "a", "line.png")).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ["png", 500, 300]);
    await savePng(join(dir, "line2.png"), svg, { scale: 2 });
    const meta2 = await sharp(join(dir, "line2.png")).metadata();
    assert.deepEqual([meta2.width, meta2.height], [1000, 600]);

    // the embedded image pixels survive rasterisation: a black image on the white page renders black inside
    const grid = imageGrid({ images: [{ width: 2, height: 2, data: new Float32Array(4).fill(0) }], cellSize: 60 });
    await savePng(join(dir, "grid.png"), grid);
    const { data, info } = await sharp(join(dir, "grid.png")).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number): number => data[(y * info.width + x) * info.channels];
    assert.ok(at(38, 38) < 30, `black image pixel, got ${at(38, 38)}`);
    assert.ok(at(2, 2) > 220, `white background, got ${at(2, 2)}`);

    const hm = heatmap({ matrix: [[1, 2], [3, 4]] });
    await savePng(join(dir, "hm.png"), hm);
    assert.equal((await sharp(join(dir, "hm.png")).metadata()).format, "png");
    await assert.rejects(savePng(join(dir, "bad.png"), svg, { scale: 0 }), /scale/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
