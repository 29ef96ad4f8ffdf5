/**
 * A generated image data set shared by the cnn-images and gan examples: grayscale shapes (circle, ring,
 * square, triangle, cross, star) drawn anti-aliased at a random position, size, rotation and brightness
 * on a noisy background. Deterministic for a seed, so the PyTorch twin (bench/zoo/cnn-images.py) can
 * train on the very same pixels after exportShapes() writes them as .npy files.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { writeAll, writeFileAtomic } from "../src/io/atomic.js";
import { Generator, tensor, type Tensor } from "../src/index.js";

/** The class names, in label order. */
export const SHAPE_CLASSES = ["circle", "ring", "square", "triangle", "cross", "star"] as const;

/** A batch of generated images: pixels [n, 1, size, size] in [0, 1] (row-major) and labels. */
export interface ShapeImages {
  pixels: Float32Array;
  labels: Int32Array;
  n: number;
  size: number;
}

/** generateShapes options. */
export interface ShapeOptions {
  /** Seeds position, size, rotation, brightness and noise. Default 0. */
  seed?: number;
  /** Canvas side in pixels. Default 28. */
  size?: number;
  /** Std of the Gaussian background noise. Default 0.08. */
  noise?: number;
  /** Keep the shape's bounding circle this many pixels inside each edge (room for a random crop). Default 1. */
  margin?: number;
}

type Point = readonly [number, number];

// star and triangle as polygons in unit coordinates (radius 1), tested by the even-odd rule
const TRIANGLE: Point[] = [0, 1, 2].map((k) => [Math.cos(Math.PI / 2 + (2 * Math.PI * k) / 3), Math.sin(Math.PI / 2 + (2 * Math.PI * k) / 3)]);
const STAR: Point[] = Array.from({ length: 10 }, (_, k) => {
  const r = k % 2 === 0 ? 1 : 0.42;
  const a = Math.PI / 2 + (Math.PI * k) / 5;
  return [r * Math.cos(a), r * Math.sin(a)];
});

function inPolygon(x: number, y: number, poly: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether the unit-scale point (x, y) is inside shape `label`. */
function inside(label: number, x: number, y: number): boolean {
  const r2 = x * x + y * y;
  if (r2 > 1.25) return false; // outside every shape (the square's corners reach sqrt(1.22))
  switch (label) {
    case 0: return r2 <= 1;
    case 1: return r2 <= 1 && r2 >= 0.36;
    case 2: return Math.abs(x) <= 0.78 && Math.abs(y) <= 0.78;
    case 3: return inPolygon(x, y, TRIANGLE);
    case 4: return (Math.abs(x) <= 0.24 && Math.abs(y) <= 1) || (Math.abs(y) <= 0.24 && Math.abs(x) <= 1);
    default: return inPolygon(x, y, STAR);
  }
}

const SUB = 2; // sub-samples per pixel side: 2×2 coverage gives anti-aliased edges

/** Draws one shape into `out` (size×size, row-major), returning nothing; randomness comes from `u` (6 uniforms). */
function drawShape(out: Float32Array, offset: number, size: number, label: number, u: Float32Array, margin: number): void {
  const radius = size * (0.22 + 0.16 * u[0]);
  const lo = radius + margin;
  const hi = size - radius - margin;
  const cx = lo + (hi - lo) * u[1];
  const cy = lo + (hi - lo) * u[2];
  const angle = 2 * Math.PI * u[3];
  const brightness = 0.65 + 0.35 * u[4];
  const cos = Math.cos(angle), sin = Math.sin(angle);
  // only pixels touching the shape's bounding circle can be covered; the rest stay 0
  const x0 = Math.max(0, Math.floor(cx - radius)), x1 = Math.min(size - 1, Math.ceil(cx + radius));
  const y0 = Math.max(0, Math.floor(cy - radius)), y1 = Math.min(size - 1, Math.ceil(cy + radius));
  for (let py = y0; py <= y1; py++) {
    for (let px = x0; px <= x1; px++) {
      let hits = 0;
      for (let sy = 0; sy < SUB; sy++) {
        for (let sx = 0; sx < SUB; sx++) {
          const dx = (px + (sx + 0.5) / SUB - cx) / radius;
          const dy = (py + (sy + 0.5) / SUB - cy) / radius;
          // rotate into the shape's frame; y grows downwards on screen, so flip it to keep shapes upright at angle 0
          if (inside(label, cos * dx + sin * dy, sin * dx - cos * dy)) hits++;
        }
      }
      out[offset + py * size + px] = (brightness * hits) / (SUB * SUB);
    }
  }
}

/**
 * n images with labels spread evenly over SHAPE_CLASSES (label i % classes, then shuffled by the seed's
 * draws of position etc., so a prefix of the set is balanced too).
 */
export function generateShapes(n: number, opts: ShapeOptions = {}): ShapeImages {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`generateShapes: n must be a positive integer, got ${n}`);
  const size = opts.size ?? 28;
  const noise = opts.noise ?? 0.08;
  const margin = opts.margin ?? 1;
  if (!Number.isInteger(size) || size < 8) throw new RangeError(`generateShapes: size must be an integer >= 8, got ${size}`);
  const g = new Generator(opts.seed ?? 0);
  const pixels = new Float32Array(n * size * size);
  const labels = new Int32Array(n);
  const u = g.uniform(n * 6);
  const classes = SHAPE_CLASSES.length;
  for (let i = 0; i < n; i++) {
    labels[i] = i % classes;
    drawShape(pixels, i * size * size, size, labels[i], u.subarray(i * 6, i * 6 + 6), margin);
  }
  const eps = g.normal(pixels.length, 0, noise);
  for (let k = 0; k < pixels.length; k++) pixels[k] = Math.min(1, Math.max(0, pixels[k] + eps[k]));
  return { pixels, labels, n, size };
}

/** The images as a [n, 1, size, size] float32 tensor. */
export function shapesTensor(d: ShapeImages): Tensor {
  return tensor(d.pixels, { shape: [d.n, 1, d.size, d.size] });
}

/** The labels as an [n] int32 tensor (class indices, as crossEntropy takes them). */
export function labelsTensor(d: ShapeImages): Tensor {
  return tensor(d.labels, { shape: [d.n], dtype: "int32" });
}

/** A .npy (format 1.0, little-endian) file's bytes for a float32 or int32 array of `shape`. */
export function npyBytes(data: Float32Array | Int32Array, shape: readonly number[]): Uint8Array {
  const descr = data instanceof Float32Array ? "<f4" : "<i4";
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  // magic (6) + version (2) + header length (2) + header, padded with spaces and a newline to a multiple of 64
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += " ".repeat(pad % 64) + "\n";
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...Buffer.from("NUMPY"), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, "latin1"), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Writes `<prefix>-x.npy` ([n, 1, size, size] float32) and `<prefix>-y.npy` ([n] int32) under `dir`. */
export async function exportShapes(d: ShapeImages, dir: string, prefix: string): Promise<void> {
  await writeOutput(join(dir, `${prefix}-x.npy`), npyBytes(d.pixels, [d.n, 1, d.size, d.size]));
  await writeOutput(join(dir, `${prefix}-y.npy`), npyBytes(d.labels, [d.n]));
}

/** Writes an example's output file atomically (never half-written), creating its folder. */
export async function writeOutput(path: string, content: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  await writeFileAtomic(path, (fh) => writeAll(fh, bytes));
}
