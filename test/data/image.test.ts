import assert from "node:assert/strict";
import { test } from "node:test";
import sharp from "sharp";
import {
  applyImageSteps, centerCrop, crop, decodeImage, gaussianNoise, horizontalFlip, normalize, randomCrop, resize,
} from "../../src/data/image.js";
import { Generator } from "../../src/tensor/random.js";
import { tensor } from "../../src/tensor/creation.js";

// a 3x2 (H x W) RGB image whose byte at (y, x, c) is 10*y + 3*x + c + 1
const H = 3;
const W = 2;
const raw = Buffer.from(Array.from({ length: H * W * 3 }, (_, k) => { const c = k % 3; const x = Math.floor(k / 3) % W; const y = Math.floor(k / 3 / W); return 10 * y + 3 * x + c + 1; }));
const pixel = (c: number, y: number, x: number): number => (10 * y + 3 * x + c + 1) / 255;

test("decodeImage: a PNG made by sharp decodes to float32 [C, H, W] = bytes / 255; JPEG and grey work", async () => {
  const png = await sharp(raw, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
  const t = await decodeImage(png);
  assert.deepEqual(t.shape, [3, H, W]);
  assert.equal(t.dtype, "float32");
  const d = t.dataSync();
  for (let c = 0; c < 3; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) assert.equal(d[c * H * W + y * W + x], Math.fround(pixel(c, y, x)));
  const jpeg = await sharp(raw, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 100 }).toBuffer();
  const j = await decodeImage(jpeg);
  assert.deepEqual(j.shape, [3, H, W]);
  assert.ok(Array.from(j.dataSync()).every((v, k) => Math.abs(v - d[k]) < 0.05), "lossy JPEG stays close");
  assert.deepEqual((await decodeImage(png, { channels: 1 })).shape, [1, H, W]);
  await assert.rejects(decodeImage(Uint8Array.of(1, 2, 3)), /decodeImage: cannot decode 3 bytes/);
});

test("decodeImage on vega-datasets' ffox.png, resized by sharp, then centre crop, normalise, flip", async () => {
  const t = await decodeImage("node_modules/vega-datasets/data/ffox.png", { resize: { width: 32, height: 24 } });
  assert.deepEqual(t.shape, [3, 24, 32]);
  const v = t.dataSync();
  assert.ok(v.every((x) => x >= 0 && x <= 1));
  const c = normalize(centerCrop(t, 16), [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]);
  assert.deepEqual(c.shape, [3, 16, 16]);
  // centre crop of 24x32 to 16x16 starts at (4, 8)
  assert.equal(c.dataSync()[0], Math.fround((v[4 * 32 + 8] - 0.5) / 0.25));
  const full = await decodeImage("node_modules/vega-datasets/data/ffox.png", { channels: 4 });
  assert.equal(full.shape[0], 4);
});

const img = tensor(Float32Array.from({ length: 2 * 3 * 4 }, (_, k) => k), { shape: [2, 3, 4] });

test("crop, centre crop, flip and normalise move the right values", () => {
  assert.deepEqual(crop(img, 1, 2, 2, 2).toArray(), [[[6, 7], [10, 11]], [[18, 19], [22, 23]]]);
  assert.deepEqual(centerCrop(img, 1, 2).toArray(), [[[5, 6]], [[17, 18]]]);
  assert.deepEqual(horizontalFlip(img).toArray(), [[[3, 2, 1, 0], [7, 6, 5, 4], [11, 10, 9, 8]], [[15, 14, 13, 12], [19, 18, 17, 16], [23, 22, 21, 20]]]);
  assert.deepEqual(normalize(img, [1, 12], [2, 4]).dataSync().slice(0, 2), Float32Array.of(-0.5, 0));
  assert.deepEqual(normalize(img, [1, 12], [2, 4]).dataSync()[12], 0);
  assert.throws(() => crop(img, 2, 0, 2, 2), /does not fit in a 3x4 image/);
  assert.throws(() => normalize(img, [0], [1]), /need 2 values/);
  assert.throws(() => centerCrop(tensor([1, 2]), 1), /expected a float32 image \[C, H, W\]/);
});

test("bilinear resize matches PyTorch's align_corners=False on a hand-worked 1x2 → 1x4 case", () => {
  const t = tensor(Float32Array.of(0, 8), { shape: [1, 1, 2] });
  assert.deepEqual(Array.from(resize(t, 1, 4).dataSync()), [0, 2, 6, 8]);
  assert.deepEqual(resize(img, 3, 4).toArray(), img.toArray()); // same size: unchanged
});

test("random crop, flip and noise are reproducible from the seed; serving skips them", () => {
  const a = randomCrop(img, 2, 2, new Generator(5));
  const b = randomCrop(img, 2, 2, new Generator(5));
  assert.deepEqual(a.toArray(), b.toArray());
  const crops = new Set(Array.from({ length: 40 }, (_, s) => JSON.stringify(randomCrop(img, 2, 2, new Generator(s)).toArray())));
  assert.equal(crops.size, 6, "all 2 x 3 positions occur");
  const n1 = gaussianNoise(img, 0.1, new Generator(3)).dataSync();
  const n2 = gaussianNoise(img, 0.1, new Generator(3)).dataSync();
  assert.deepEqual(n1, n2);
  assert.ok(n1.some((v, k) => v !== img.dataSync()[k]));
  const steps = [{ op: "randomCrop", height: 2, width: 2 }, { op: "horizontalFlip", p: 1 }, { op: "gaussianNoise", std: 1 }] as const;
  assert.deepEqual(applyImageSteps(img, [...steps], { train: false }).toArray(), centerCrop(img, 2, 2).toArray());
  const trained = applyImageSteps(img, [...steps], { train: true, generator: new Generator(9) });
  assert.deepEqual(trained.shape, [2, 2, 2]);
});
