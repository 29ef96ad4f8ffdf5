// Writing charts to disk: the SVG as is, or rasterised to PNG by sharp (librsvg).
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { writeAll, writeFileAtomic } from "../io/atomic.js";

type SharpFactory = (input: Buffer, opts?: { density?: number }) => { png(): { toBuffer(): Promise<Buffer> } };

let sharpFactory: SharpFactory | undefined;

/** Loads sharp on first use: its native library is large, and most programs never write a PNG. */
function loadSharp(): SharpFactory {
  if (!sharpFactory) {
    try {
      sharpFactory = createRequire(import.meta.url)("sharp") as SharpFactory;
    } catch (e) {
      throw new Error(`savePng: sharp is needed to write PNG files and could not be loaded: ${(e as Error).message}`);
    }
  }
  return sharpFactory;
}

/** Writes the SVG to `path` atomically, creating missing parent folders. */
export async function savePlot(path: string, svg: string): Promise<void> {
  checkSvg("savePlot", svg);
  await mkdir(dirname(path), { recursive: true });
  const bytes = Buffer.from(svg, "utf8");
  await writeFileAtomic(path, (fh) => writeAll(fh, bytes));
}

/** Renders the SVG to PNG at its own pixel size (times `scale`, default 1) and writes it atomically. */
export async function savePng(path: string, svg: string, opts: { scale?: number } = {}): Promise<void> {
  checkSvg("savePng", svg);
  const scale = opts.scale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0 || scale > 8) throw new RangeError(`savePng: scale must be in (0, 8], got ${scale}`);
  const sharp = loadSharp();
  let png: Buffer;
  try {
    // 72 dpi is librsvg's 1 px per SVG unit
    png = await sharp(Buffer.from(svg, "utf8"), { density: 72 * scale }).png().toBuffer();
  } catch (e) {
    throw new Error(`savePng: cannot render the SVG for "${path}": ${(e as Error).message}`);
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, (fh) => writeAll(fh, png));
}

/** Writes `<dir>/<name>.svg` and `<dir>/<name>.png` for each chart: how the examples keep their plots. */
export async function saveCharts(dir: string, charts: Record<string, string>): Promise<void> {
  for (const [name, svg] of Object.entries(charts)) {
    await savePlot(join(dir, `${name}.svg`), svg);
    await savePng(join(dir, `${name}.png`), svg);
  }
}

function checkSvg(fn: string, svg: string): void {
  if (typeof svg !== "string" || !svg.trimStart().startsWith("<svg")) throw new TypeError(`${fn}: expected an SVG string starting with <svg`);
}
