// The GGUF writer and the validating reader: exact round trips of every value type and tensor layout,
// and a fuzz of truncated, bit-flipped and hostile files that must fail with GgufError (naming file,
// byte offset and problem), never another exception or a huge allocation.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  float16BitsToFloat32, float32ToFloat16Bits, GgufError, parseGgufHeader, readGgufHeader, writeGguf, type GgufWriteInput,
} from "../../src/llm/index.js";

const dir = mkdtempSync(join(tmpdir(), "ingot-gguf-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const sample = (): GgufWriteInput => ({
  metadata: {
    "general.architecture": "llama",
    "t.u8": { type: "u8", value: 250 },
    "t.i8": { type: "i8", value: -7 },
    "t.u16": { type: "u16", value: 65000 },
    "t.i16": { type: "i16", value: -300 },
    "t.u32": 4_000_000_000,
    "t.i32": -5,
    "t.f32": 0.5,
    "t.f64": { type: "f64", value: Math.PI },
    "t.u64": { type: "u64", value: 2n ** 63n + 5n },
    "t.i64": -(2n ** 40n),
    "t.bool": true,
    "t.str": "héllo ✓",
    "t.strs": ["a", "", "ccc"],
    "t.f32s": { type: "array", itemType: "f32", value: [1.5, -2, 0.25] },
    "t.nested": { type: "array", itemType: "array", value: [[1, 2], [3]] },
  },
  tensors: [
    { name: "a", shape: [2, 3], type: "F32", data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    { name: "b", shape: [5], type: "F16", data: Float32Array.from([0.1, -1, 65504, 1e-6, 3]) },
    { name: "c", shape: [1, 2, 1, 3], type: "F32", data: Float32Array.from([9, 8, 7, 6, 5, 4]) },
  ],
});

test("writeGguf → readGgufHeader round-trips every metadata type and the tensor layout", async () => {
  const path = join(dir, "sample.gguf");
  await writeGguf(path, sample());
  const h = readGgufHeader(path);
  assert.equal(h.version, 3);
  const m = h.metadata;
  assert.deepEqual(m["t.u8"], { type: "u8", value: 250 });
  assert.deepEqual(m["t.i8"], { type: "i8", value: -7 });
  assert.deepEqual(m["t.u16"], { type: "u16", value: 65000 });
  assert.deepEqual(m["t.i16"], { type: "i16", value: -300 });
  assert.deepEqual(m["t.u32"], { type: "u32", value: 4_000_000_000 });
  assert.deepEqual(m["t.i32"], { type: "i32", value: -5 });
  assert.deepEqual(m["t.f32"], { type: "f32", value: 0.5 });
  assert.deepEqual(m["t.f64"], { type: "f64", value: Math.PI });
  assert.deepEqual(m["t.u64"], { type: "u64", value: 2n ** 63n + 5n });
  assert.deepEqual(m["t.i64"], { type: "i64", value: -(2n ** 40n) });
  assert.deepEqual(m["t.bool"], { type: "bool", value: true });
  assert.deepEqual(m["t.str"], { type: "string", value: "héllo ✓" });
  assert.deepEqual(m["t.strs"], { type: "array", itemType: "string", value: ["a", "", "ccc"] });
  assert.deepEqual(m["t.f32s"], { type: "array", itemType: "f32", value: [1.5, -2, 0.25] });
  assert.deepEqual(m["t.nested"], { type: "array", itemType: "array", value: [[1, 2], [3]] });
  assert.deepEqual(h.tensors.map((t) => [t.name, t.shape, t.type, t.byteLength]), [["a", [2, 3], "F32", 24], ["b", [5], "F16", 10], ["c", [1, 2, 1, 3], "F32", 24]]);
  const bytes = readFileSync(path);
  for (const t of h.tensors) assert.equal(t.offset % 32, 0, `${t.name} is aligned`);
  assert.equal(h.dataOffset % 32, 0);
  const a = h.tensors[0];
  assert.deepEqual(Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset + a.offset, bytes.byteOffset + a.offset + 24))), [1, 2, 3, 4, 5, 6]);
  const b = h.tensors[1];
  const halves = Array.from({ length: 5 }, (_, i) => float16BitsToFloat32(bytes.readUInt16LE(b.offset + 2 * i)));
  [0.1, -1, 65504, 1e-6, 3].forEach((x, i) => assert.ok(Math.abs(halves[i] - x) <= Math.abs(x) * 1e-3 + 6e-8, `half ${i}: ${halves[i]} vs ${x}`));
  // a reader's output is valid writer input: writing it again gives the same bytes
  const again = join(dir, "again.gguf");
  await writeGguf(again, { metadata: h.metadata, tensors: sample().tensors });
  assert.deepEqual(readFileSync(again), bytes);
});

test("general.alignment is honoured", async () => {
  const path = join(dir, "aligned.gguf");
  await writeGguf(path, { ...sample(), metadata: { ...sample().metadata, "general.alignment": { type: "u32", value: 256 } } });
  const h = readGgufHeader(path);
  assert.equal(h.alignment, 256);
  assert.equal(h.dataOffset % 256, 0);
  for (const t of h.tensors) assert.equal(t.offset % 256, 0);
  await assert.rejects(writeGguf(join(dir, "x.gguf"), { ...sample(), metadata: { "general.alignment": { type: "u32", value: 48 } } }), /general.alignment must be a u32 power of two/);
});

test("half conversion: every finite binary16 value round-trips, and rounding is to nearest even", () => {
  for (let h = 0; h < 0x10000; h++) {
    const x = float16BitsToFloat32(h);
    if (Number.isNaN(x)) continue;
    assert.equal(float32ToFloat16Bits(x), h, `bits ${h.toString(16)}`);
  }
  assert.equal(float32ToFloat16Bits(1), 0x3c00);
  assert.equal(float32ToFloat16Bits(1 + 2 ** -11), 0x3c00); // a tie rounds to the even mantissa
  assert.equal(float32ToFloat16Bits(1 + 3 * 2 ** -11), 0x3c02);
  assert.equal(float32ToFloat16Bits(1e6), 0x7c00);
  assert.ok(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN))));
});

test("the writer rejects bad input naming the key or tensor", async () => {
  const p = join(dir, "bad.gguf");
  await assert.rejects(writeGguf(p, { metadata: { k: { type: "u8", value: 300 } }, tensors: [] }), /metadata k: "300" is not a valid u8/);
  await assert.rejects(writeGguf(p, { metadata: {}, tensors: [{ name: "w", shape: [2, 2], type: "F32", data: new Float32Array(3) }] }), /tensor w: shape \[2, 2\] holds 4 values, data has 3/);
  await assert.rejects(writeGguf(p, { metadata: {}, tensors: [{ name: "w", shape: [1, 1, 1, 1, 1], type: "F32", data: new Float32Array(1) }] }), /1 to 4 positive dims/);
  assert.throws(() => readFileSync(p), /ENOENT/, "no partial file is left behind");
});

/** Deterministic PRNG for the fuzz. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Runs the parser; returns "ok", or the GgufError message; any other exception fails the test. */
function outcome(bytes: Uint8Array, what: string): string {
  try {
    parseGgufHeader(bytes, "fuzz.gguf");
    return "ok";
  } catch (e) {
    assert.ok(e instanceof GgufError, `${what}: threw ${(e as Error).name}: ${(e as Error).message}`);
    assert.match(e.message, /^fuzz\.gguf at byte \d+: /, what);
    return e.message;
  }
}

test("fuzz: every truncation point fails with a GgufError naming the offset", async () => {
  const path = join(dir, "fuzz.gguf");
  await writeGguf(path, sample());
  const full = new Uint8Array(readFileSync(path));
  assert.equal(outcome(full, "full file"), "ok");
  // the padding after the last tensor carries nothing, so cutting it off is harmless (llama.cpp agrees)
  const last = parseGgufHeader(full).tensors.at(-1)!;
  const dataEnd = last.offset + last.byteLength;
  assert.ok(dataEnd < full.length);
  for (let n = dataEnd; n < full.length; n++) assert.equal(outcome(full.subarray(0, n), `cut in padding at ${n}`), "ok");
  for (let n = 0; n < dataEnd; n++) {
    const msg = outcome(full.subarray(0, n), `truncated to ${n}`);
    assert.notEqual(msg, "ok", `a file truncated to ${n} of ${full.length} bytes must be rejected`);
    assert.match(msg, /truncated|too short/, `truncated to ${n}`);
  }
  // the file path form names the file
  writeFileSync(join(dir, "cut.gguf"), full.subarray(0, 100));
  assert.throws(() => readGgufHeader(join(dir, "cut.gguf")), (e: Error) => e instanceof GgufError && e.message.startsWith(`${join(dir, "cut.gguf")} at byte `));
  assert.throws(() => readGgufHeader(join(dir, "missing.gguf")), /missing\.gguf: no such file/);
});

test("fuzz: random byte flips are parsed or rejected cleanly", async () => {
  const path = join(dir, "flip.gguf");
  await writeGguf(path, sample());
  const full = new Uint8Array(readFileSync(path));
  const next = rng(7);
  let rejected = 0;
  for (let iter = 0; iter < 3000; iter++) {
    const b = full.slice();
    const flips = 1 + Math.floor(next() * 4);
    for (let f = 0; f < flips; f++) b[Math.floor(next() * b.length)] = Math.floor(next() * 256);
    if (outcome(b, `iteration ${iter}`) !== "ok") rejected++;
  }
  assert.ok(rejected > 100, `flips in the header must be caught (${rejected} rejected)`);
});

test("hostile counts and lengths fail before allocating", async () => {
  const path = join(dir, "hostile.gguf");
  await writeGguf(path, sample());
  const full = new Uint8Array(readFileSync(path));
  const patch = (at: number, v: bigint): Uint8Array => {
    const b = full.slice();
    new DataView(b.buffer).setBigUint64(at, v, true);
    return b;
  };
  assert.match(outcome(patch(8, 2n ** 60n), "tensor count"), /absurdly large/);
  assert.match(outcome(patch(8, 1_000_000n), "tensor count"), /truncated or hostile: 1000000 tensors cannot fit/);
  assert.match(outcome(patch(16, 50_000_000n), "kv count"), /truncated or hostile: 50000000 metadata entries cannot fit/);
  assert.match(outcome(patch(24, 2n ** 40n), "key length"), /metadata key #0 claims 1099511627776 bytes/);
  // the array length of t.strs: find it after its key and type
  const key = Buffer.from("t.strs");
  const at = Buffer.from(full).indexOf(key) + key.length + 4 + 4;
  assert.match(outcome(patch(at, 2n ** 50n), "array length"), /t\.strs claims 1125899906842624 items/);
  const bad = full.slice();
  bad[0] = 0x47; bad[1] = 0x47; bad[2] = 0x4d; bad[3] = 0x4c;
  assert.match(outcome(bad, "magic"), /not a GGUF file/);
});
