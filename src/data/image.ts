// Images as float32 [C, H, W] tensors in [0, 1]: decoding (PNG, JPEG, … through sharp), then resize, crops,
// flips, normalisation and noise on the pixels. Random steps take a seeded Generator so augmentation is
// reproducible, and a step list is plain JSON so serving can replay the deterministic part.
import { tensor } from "../tensor/creation.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";

/** decodeImage options. */
export interface DecodeOptions {
  /** 1 (grey), 3 (RGB, default) or 4 (RGBA). */
  channels?: 1 | 3 | 4;
  /** Resize with sharp while decoding (its default lanczos3 kernel; fit "fill" stretches, "cover" crops). */
  resize?: { width: number; height: number; fit?: "fill" | "cover" | "contain" };
}

/** Decodes an image file path or encoded bytes into float32 [C, H, W] with values in [0, 1]. */
export async function decodeImage(input: string | Uint8Array, opts: DecodeOptions = {}): Promise<Tensor> {
  const channels = opts.channels ?? 3;
  if (![1, 3, 4].includes(channels)) throw new RangeError(`decodeImage: channels must be 1, 3 or 4, got ${channels}`);
  // sharp's native library loads on first use, so `import "ingot"` stays fast for programs without images
  const sharp = (await import("sharp")).default;
  let img = sharp(typeof input === "string" ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  if (opts.resize) {
    const { width, height, fit } = opts.resize;
    checkSize("decodeImage", height, width);
    img = img.resize(width, height, { fit: fit ?? "fill" });
  }
  img = channels === 1 ? img.greyscale().removeAlpha() : channels === 3 ? img.removeAlpha().toColourspace("srgb") : img.ensureAlpha().toColourspace("srgb");
  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    raw = await img.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    const what = typeof input === "string" ? `"${input}"` : `${input.byteLength} bytes`;
    throw new Error(`decodeImage: cannot decode ${what}: ${(e as Error).message}`);
  }
  const { width: W, height: H, channels: got } = raw.info;
  if (got !== channels) throw new Error(`decodeImage: expected ${channels} channels after conversion, sharp gave ${got}`);
  const out = new Float32Array(channels * H * W);
  // HWC bytes → CHW floats
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < channels; c++) {
    out[c * H * W + y * W + x] = raw.data[(y * W + x) * channels + c] / 255;
  }
  return tensor(out, { shape: [channels, H, W] });
}

function checkSize(op: string, h: number, w: number): void {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) throw new RangeError(`${op}: size must be positive integers, got height=${h}, width=${w}`);
}

function chw(op: string, t: Tensor): [number, number, number, Float32Array] {
  if (t.ndim !== 3 || t.dtype !== "float32") throw new TypeError(`${op}: expected a float32 image [C, H, W], got ${t.dtype} [${t.shape.join(", ")}]`);
  return [t.shape[0], t.shape[1], t.shape[2], t.dataSync() as Float32Array];
}

/** Bilinear resize to [C, height, width] (PyTorch's interpolate(mode="bilinear", align_corners=False), no antialias). */
export function resize(t: Tensor, height: number, width: number): Tensor {
  const [C, H, W, src] = chw("resize", t);
  checkSize("resize", height, width);
  const out = new Float32Array(C * height * width);
  const sy = H / height;
  const sx = W / width;
  for (let y = 0; y < height; y++) {
    const fy = Math.max((y + 0.5) * sy - 0.5, 0);
    const y0 = Math.min(Math.floor(fy), H - 1);
    const y1 = Math.min(y0 + 1, H - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.max((x + 0.5) * sx - 0.5, 0);
      const x0 = Math.min(Math.floor(fx), W - 1);
      const x1 = Math.min(x0 + 1, W - 1);
      const wx = fx - x0;
      for (let c = 0; c < C; c++) {
        const p = c * H * W;
        const top = src[p + y0 * W + x0] * (1 - wx) + src[p + y0 * W + x1] * wx;
        const bot = src[p + y1 * W + x0] * (1 - wx) + src[p + y1 * W + x1] * wx;
        out[c * height * width + y * width + x] = top * (1 - wy) + bot * wy;
      }
    }
  }
  return tensor(out, { shape: [C, height, width] });
}

/** The [height, width] window whose top-left corner is (top, left). */
export function crop(t: Tensor, top: number, left: number, height: number, width: number): Tensor {
  const [C, H, W, src] = chw("crop", t);
  checkSize("crop", height, width);
  if (!Number.isInteger(top) || !Number.isInteger(left) || top < 0 || left < 0 || top + height > H || left + width > W) {
    throw new RangeError(`crop: window top=${top} left=${left} ${height}x${width} does not fit in a ${H}x${W} image`);
  }
  const out = new Float32Array(C * height * width);
  for (let c = 0; c < C; c++) for (let y = 0; y < height; y++) {
    const from = c * H * W + (top + y) * W + left;
    out.set(src.subarray(from, from + width), c * height * width + y * width);
  }
  return tensor(out, { shape: [C, height, width] });
}

/** The central [height, width] window (torchvision's rounding: top = round((H - height) / 2)). */
export function centerCrop(t: Tensor, height: number, width: number = height): Tensor {
  const [, H, W] = chw("centerCrop", t);
  if (height > H || width > W) throw new RangeError(`centerCrop: ${height}x${width} is larger than the ${H}x${W} image`);
  return crop(t, Math.round((H - height) / 2), Math.round((W - width) / 2), height, width);
}

/** A [height, width] window at a position drawn from `generator`. */
export function randomCrop(t: Tensor, height: number, width: number = height, generator: Generator = defaultGenerator): Tensor {
  const [, H, W] = chw("randomCrop", t);
  if (height > H || width > W) throw new RangeError(`randomCrop: ${height}x${width} is larger than the ${H}x${W} image`);
  const [top, left] = generator.integers(2, 0, 1 << 30);
  return crop(t, top % (H - height + 1), left % (W - width + 1), height, width);
}

/** Mirrors left ↔ right. */
export function horizontalFlip(t: Tensor): Tensor {
  const [C, H, W, src] = chw("horizontalFlip", t);
  const out = new Float32Array(src.length);
  for (let r = 0; r < C * H; r++) for (let x = 0; x < W; x++) out[r * W + x] = src[r * W + W - 1 - x];
  return tensor(out, { shape: [C, H, W] });
}

/** Flips with probability p (drawn from `generator`). */
export function randomHorizontalFlip(t: Tensor, p = 0.5, generator: Generator = defaultGenerator): Tensor {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`randomHorizontalFlip: p must be in [0, 1], got ${p}`);
  return generator.uniform(1)[0] < p ? horizontalFlip(t) : t;
}

/** (x - mean[c]) / std[c] per channel. */
export function normalize(t: Tensor, mean: readonly number[], std: readonly number[]): Tensor {
  const [C, H, W, src] = chw("normalize", t);
  if (mean.length !== C || std.length !== C) throw new RangeError(`normalize: mean and std need ${C} values (one per channel), got ${mean.length} and ${std.length}`);
  for (const s of std) if (!(s > 0)) throw new RangeError(`normalize: std values must be > 0, got ${JSON.stringify(std)}`);
  const out = new Float32Array(src.length);
  for (let c = 0; c < C; c++) for (let k = c * H * W; k < (c + 1) * H * W; k++) out[k] = (src[k] - mean[c]) / std[c];
  return tensor(out, { shape: [C, H, W] });
}

/** Adds N(0, std²) noise from `generator` to every value. */
export function gaussianNoise(t: Tensor, std: number, generator: Generator = defaultGenerator): Tensor {
  const [C, H, W, src] = chw("gaussianNoise", t);
  if (!(std >= 0)) throw new RangeError(`gaussianNoise: std must be >= 0, got ${std}`);
  const noise = generator.normal(src.length, 0, std);
  const out = new Float32Array(src.length);
  for (let k = 0; k < src.length; k++) out[k] = src[k] + noise[k];
  return tensor(out, { shape: [C, H, W] });
}

/** One step of an image pipeline, as plain JSON. Random steps run only when training. */
export type ImageStep =
  | { op: "resize"; height: number; width: number }
  | { op: "centerCrop"; height: number; width: number }
  | { op: "randomCrop"; height: number; width: number }
  | { op: "horizontalFlip"; p: number }
  | { op: "normalize"; mean: number[]; std: number[] }
  | { op: "gaussianNoise"; std: number };

/**
 * Applies `steps` in order. With train false (serving) the random steps are skipped, except randomCrop,
 * which becomes a centre crop of the same size so the output shape does not change.
 */
export function applyImageSteps(t: Tensor, steps: readonly ImageStep[], opts: { train: boolean; generator?: Generator }): Tensor {
  const g = opts.generator ?? defaultGenerator;
  let x = t;
  for (const [i, s] of steps.entries()) {
    switch (s.op) {
      case "resize": x = resize(x, s.height, s.width); break;
      case "centerCrop": x = centerCrop(x, s.height, s.width); break;
      case "randomCrop": x = opts.train ? randomCrop(x, s.height, s.width, g) : centerCrop(x, s.height, s.width); break;
      case "horizontalFlip": if (opts.train) x = randomHorizontalFlip(x, s.p, g); break;
      case "normalize": x = normalize(x, s.mean, s.std); break;
      case "gaussianNoise": if (opts.train) x = gaussianNoise(x, s.std, g); break;
      default: throw new TypeError(`applyImageSteps: step ${i} has unknown op ${JSON.stringify((s as { op?: unknown }).op)}`);
    }
  }
  return x;
}
