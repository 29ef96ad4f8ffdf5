// A grid of small images (digits, generated samples, augmentations, saliency overlays) with captions.
import { encodePng } from "./png.js";
import { checkSize, el, svgDocument, text, THEME } from "./svg.js";

/**
 * One image, row-major. `Float32Array`: values in [0, 1], grey (width·height values) or RGB interleaved
 * (width·height·3). `Uint8Array`: 0..255, RGB interleaved (width·height·3) or grey (width·height).
 */
export interface GridImage {
  width: number;
  height: number;
  data: Float32Array | Uint8Array;
}

/** imageGrid options. */
export interface ImageGridOptions {
  images: GridImage[];
  /** Images per row (default: about square). */
  columns?: number;
  /** A caption under each image (e.g. the predicted label). */
  labels?: string[];
  title?: string;
  /** Drawn size of each image's longer side in pixels (default 96); pixels stay sharp when scaled. */
  cellSize?: number;
}

/** Converts one image to 8-bit pixels and its channel count, checking its size. */
function toBytes(img: GridImage, i: number): { channels: 1 | 3; bytes: Uint8Array } {
  const { width: w, height: h, data } = img;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) throw new RangeError(`imageGrid: image ${i} has invalid size ${w}×${h}`);
  if (!(data instanceof Float32Array || data instanceof Uint8Array)) throw new TypeError(`imageGrid: image ${i} data must be a Float32Array or Uint8Array`);
  const channels = data.length === w * h ? 1 : data.length === w * h * 3 ? 3 : 0;
  if (channels === 0) throw new RangeError(`imageGrid: image ${i} is ${w}×${h} but has ${data.length} values (expected ${w * h} grey or ${w * h * 3} RGB)`);
  if (data instanceof Uint8Array) return { channels, bytes: data };
  const bytes = new Uint8Array(data.length);
  for (let k = 0; k < data.length; k++) bytes[k] = Math.round(Math.min(1, Math.max(0, Number.isFinite(data[k]) ? data[k] : 0)) * 255);
  return { channels, bytes };
}

/** Lays the images out in rows, each embedded as a PNG data URI, and returns the SVG. */
export function imageGrid(opts: ImageGridOptions): string {
  const images = opts.images;
  if (!Array.isArray(images) || images.length === 0) throw new Error("imageGrid: images must be a non-empty array");
  if (opts.labels && opts.labels.length !== images.length) throw new RangeError(`imageGrid: ${opts.labels.length} labels for ${images.length} images`);
  const columns = opts.columns ?? Math.ceil(Math.sqrt(images.length));
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`imageGrid: columns must be a positive integer, got ${columns}`);
  const cell = opts.cellSize ?? 96;
  const gap = 8, captionH = opts.labels ? 16 : 0, top = opts.title ? 36 : gap;
  const rows = Math.ceil(images.length / columns);
  const width = gap + Math.min(columns, images.length) * (cell + gap);
  const height = top + rows * (cell + captionH + gap);
  checkSize("imageGrid", Math.max(width, 50), Math.max(height, 50));
  const parts: string[] = [];
  images.forEach((img, i) => {
    const { channels, bytes } = toBytes(img, i);
    const png = encodePng(img.width, img.height, channels, bytes).toString("base64");
    const scale = cell / Math.max(img.width, img.height);
    const w = img.width * scale, h = img.height * scale;
    const x = gap + (i % columns) * (cell + gap) + (cell - w) / 2;
    const y = top + Math.floor(i / columns) * (cell + captionH + gap) + (cell - h) / 2;
    // pixelated: a 28×28 digit should look like pixels, not a blur
    parts.push(el("image", { x, y, width: w, height: h, href: `data:image/png;base64,${png}`, preserveAspectRatio: "none", style: "image-rendering:pixelated", "image-rendering": "optimizeSpeed" }));
    parts.push(el("rect", { x, y, width: w, height: h, fill: "none", stroke: THEME.grid }));
    if (opts.labels) parts.push(text(gap + (i % columns) * (cell + gap) + cell / 2, top + Math.floor(i / columns) * (cell + captionH + gap) + cell + 13, opts.labels[i], { "text-anchor": "middle", "font-size": 11 }));
  });
  if (opts.title) parts.push(text(Math.max(width, 50) / 2, 24, opts.title, { "text-anchor": "middle", "font-size": 15, "font-weight": 600 }));
  return svgDocument(Math.max(width, 50), Math.max(height, 50), parts.join(""));
}
