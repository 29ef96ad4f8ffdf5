// Malformed and hostile inputs: every one must either parse into tensors that agree exactly with the
// header and bytes, or throw SafetensorsError. Never another error, a hang, or a huge allocation.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { tensor, type Tensor } from "../../src/index.js";
import { loadSafetensors, parseSafetensors, SafetensorsError, serializeSafetensors, type Safetensors } from "../../src/io/index.js";
import { craft, prng } from "./craft.js";

const work = mkdtempSync(join(tmpdir(), "ingot-io-fuzz-"));
after(() => rmSync(work, { recursive: true, force: true }));

const VALID = serializeSafetensors(
  {
    "layer.0.weight": tensor([[0.5, -1], [2, 3.25], [1e-3, -7]]),
    "layer.0.bias": tensor([0.1, 0.2]),
    ids: tensor([3, -4, 5], { dtype: "int32" }),
    mask: tensor([true, false, true, true]),
    scalar: tensor(42),
    empty: tensor(new Float32Array(0), { shape: [2, 0] }),
  },
  { step: "100" },
);

/** The test's own reading of one element, by DataView, independent of the library's decoders. */
function element(dtype: string, v: DataView, at: number, i: number): number {
  switch (dtype) {
    case "F32": return v.getFloat32(at + 4 * i, true);
    case "I32": return v.getInt32(at + 4 * i, true);
    case "U32": return v.getUint32(at + 4 * i, true);
    case "BOOL": case "U8": return v.getUint8(at + i);
    case "I8": return v.getInt8(at + i);
    case "I16": return v.getInt16(at + 2 * i, true);
    case "U16": return v.getUint16(at + 2 * i, true);
    case "F64": return Math.fround(v.getFloat64(at + 8 * i, true));
    case "I64": return Number(v.getBigInt64(at + 8 * i, true));
    case "U64": return Number(v.getBigUint64(at + 8 * i, true));
    case "BF16": {
      const f = new DataView(new ArrayBuffer(4));
      f.setUint32(0, v.getUint16(at + 2 * i, true) << 16);
      return f.getFloat32(0);
    }
    case "F16": {
      const h = v.getUint16(at + 2 * i, true);
      const e = (h >> 10) & 31;
      const m = h & 1023;
      const s = h >> 15 ? -1 : 1;
      return e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * 2 ** (e - 15) * (1 + m / 1024);
    }
  }
  throw new Error(`test decoder: unexpected dtype ${dtype}`);
}

const INGOT_DTYPE: Record<string, string> = { F32: "float32", F16: "float32", BF16: "float32", F64: "float32", BOOL: "bool" };

/** Checks a successful parse against the header and bytes read independently. */
function assertConsistent(bytes: Uint8Array, parsed: Safetensors): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(v.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const names = Object.keys(header).filter((k) => k !== "__metadata__");
  assert.deepEqual(Object.keys(parsed.tensors).sort(), names.sort());
  assert.deepEqual(parsed.metadata, { ...(header.__metadata__ ?? {}) }); // spread, unlike Object.assign, keeps a "__proto__" key
  for (const name of names) {
    const h = header[name];
    const t: Tensor = parsed.tensors[name];
    assert.equal(t.dtype, INGOT_DTYPE[h.dtype] ?? "int32", name);
    assert.deepEqual(t.shape, h.shape, name);
    const count = h.shape.reduce((a, b) => a * b, 1);
    const want = Array.from({ length: count }, (_, i) => element(h.dtype, v, 8 + n + h.data_offsets[0], i));
    assert.deepEqual(Array.from(t.dataSync()), want, name);
  }
}

/** Parses `bytes`; returns "ok" after checking consistency, or "rejected" for a SafetensorsError. Anything else fails the test. */
function outcome(bytes: Uint8Array, what: string): "ok" | "rejected" {
  const buffersBefore = process.memoryUsage().arrayBuffers;
  const started = performance.now();
  let parsed: Safetensors;
  try {
    parsed = parseSafetensors(bytes, { source: "fuzz" });
  } catch (e) {
    if (!(e instanceof SafetensorsError)) assert.fail(`${what}: threw ${String(e)} instead of SafetensorsError`);
    assert.match(e.message, /^fuzz: /);
    return "rejected";
  } finally {
    assert.ok(performance.now() - started < 5000, `${what}: took ${performance.now() - started} ms`);
    assert.ok(process.memoryUsage().arrayBuffers - buffersBefore < 64 << 20, `${what}: allocated over 64 MiB`);
  }
  assertConsistent(bytes, parsed);
  for (const t of Object.values(parsed.tensors)) t.dispose();
  return "ok";
}

test("every truncation of a valid file is rejected; the full file parses", () => {
  assert.equal(outcome(VALID, "full file"), "ok");
  for (let len = 0; len < VALID.length; len++) assert.equal(outcome(VALID.subarray(0, len), `truncated to ${len}`), "rejected", `truncated to ${len}`);
  for (const extra of [1, 7, 8, 1000]) {
    const longer = new Uint8Array(VALID.length + extra);
    longer.set(VALID);
    assert.equal(outcome(longer, `extended by ${extra}`), "rejected");
  }
});

test("truncated files on disk are rejected by loadSafetensors with SafetensorsError", async () => {
  const rand = prng(7);
  const path = join(work, "t.safetensors");
  for (let k = 0; k < 60; k++) {
    const len = Math.floor(rand() * VALID.length);
    writeFileSync(path, VALID.subarray(0, len));
    await assert.rejects(loadSafetensors(path), (e: unknown) => e instanceof SafetensorsError, `truncated to ${len}`);
  }
});

test("random byte changes (seeded) either parse consistently or are rejected", () => {
  const rand = prng(20240611);
  const headerEnd = 8 + Number(new DataView(VALID.buffer).getBigUint64(0, true));
  const counts = { ok: 0, rejected: 0 };
  for (let iter = 0; iter < 4000; iter++) {
    const bytes = VALID.slice();
    const flips = 1 + Math.floor(rand() * 3);
    for (let f = 0; f < flips; f++) {
      // mostly the length prefix and header, where the parsing happens; sometimes the data
      const at = rand() < 0.85 ? Math.floor(rand() * headerEnd) : headerEnd + Math.floor(rand() * (VALID.length - headerEnd));
      bytes[at] = rand() < 0.5 ? bytes[at] ^ (1 << Math.floor(rand() * 8)) : Math.floor(rand() * 256);
    }
    counts[outcome(bytes, `iteration ${iter}`)]++;
  }
  // both branches must really be exercised, or the test proves little
  assert.ok(counts.ok > 100 && counts.rejected > 1000, JSON.stringify(counts));
});

test("hostile headers are rejected with SafetensorsError, or parse consistently", { timeout: 60_000 }, () => {
  const f32 = (shape: unknown, offsets: unknown): unknown => ({ dtype: "F32", shape, data_offsets: offsets });
  const data8 = new Uint8Array(8);
  const rejected: [string, Uint8Array, RegExp][] = [
    ["header length 2^64-1", craft("{}", [], 2n ** 64n - 1n), /exceeds the 100000000-byte limit/],
    ["header length 2^53", craft("{}", [], 2n ** 53n), /exceeds the 100000000-byte limit/],
    ["header length just over the limit", craft("{}", [], 100_000_001n), /exceeds the 100000000-byte limit/],
    ["header length past the end", craft("{}", [], 3n), /truncated: header says 3 bytes/],
    ["header length 0", craft("", [], 0n), /header length 0 is too small/],
    ["negative offset", craft({ a: f32([2], [-8, 0]) }, data8), /data_offsets must be two non-negative integers/],
    ["float offsets", craft({ a: f32([2], [0.5, 8.5]) }, data8), /data_offsets must be two non-negative integers/],
    ["huge offsets", craft({ a: f32([2], [0, 1e300]) }, data8), /data_offsets must be two non-negative integers/],
    ["offsets past 2^53", craft({ a: f32([2], [2 ** 53 + 2, 2 ** 53 + 10]) }, data8), /data_offsets must be two non-negative integers/],
    ["infinite offset in the text", craft('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,1e400]}}', data8), /data_offsets must be two non-negative integers/],
    ["string offsets", craft({ a: f32([2], ["0", "8"]) }, data8), /data_offsets must be two non-negative integers/],
    ["offsets object", craft({ a: f32([2], { 0: 0, 1: 8, length: 2 }) }, data8), /data_offsets must be \[begin, end\]/],
    ["three offsets", craft({ a: f32([2], [0, 4, 8]) }, data8), /data_offsets must be \[begin, end\]/],
    ["shape overflow 1e12 x 1e12", craft({ a: f32([1e12, 1e12], [0, 8]) }, data8), /needs 4e\+24/],
    ["shape overflow (2^53-1)^2", craft({ a: f32([2 ** 53 - 1, 2 ** 53 - 1], [0, 8]) }, data8), /needs 3\.2\d*e\+32/],
    ["shape dim past safe integers", craft({ a: f32([0, 1e300], [0, 0]) }, []), /shape\[1\] must be a non-negative integer/],
    ["shape wraps to 2 elements in 32 bits", craft({ a: f32([2 ** 32 + 2], [0, 8]) }, data8), /needs 17179869192/],
    ["negative dims that multiply to 2", craft({ a: f32([-1, -2], [0, 8]) }, data8), /shape\[0\] must be a non-negative integer/],
    ["shape with a string", craft({ a: f32(["2"], [0, 8]) }, data8), /shape\[0\] must be a non-negative integer/],
    ["shape with null", craft({ a: f32([null], [0, 8]) }, data8), /shape\[0\] must be a non-negative integer, got null/],
    ["shape null", craft({ a: f32(null, [0, 8]) }, data8), /shape must be an array/],
    ["dtype number", craft({ a: { dtype: 5, shape: [2], data_offsets: [0, 8] } }, data8), /dtype must be a string/],
    ["dtype lowercase", craft({ a: { dtype: "f32", shape: [2], data_offsets: [0, 8] } }, data8), /unknown dtype "f32"/],
    ["dtype __proto__", craft('{"a":{"dtype":"__proto__","shape":[2],"data_offsets":[0,8]}}', data8), /unknown dtype "__proto__"/],
    ["dtype toString", craft({ a: { dtype: "toString", shape: [2], data_offsets: [0, 8] } }, data8), /unknown dtype "toString"/],
    ["entry is a string", craft({ a: "F32" }, []), /entry must be an object/],
    ["entry is null", craft({ a: null }, []), /entry must be an object, got null/],
    ["root is an array", craft("[]"), /header must start with "\{"/],
    ["root is null", craft("null "), /header must start with "\{"/],
    ["root is a number", craft("12"), /header must start with "\{"/],
    ["root with a BOM", craft("\uFEFF{}"), /header must start with "\{"/],
    ["trailing garbage", craft("{} x"), /header is not valid JSON/],
    ["NUL inside", craft("{}\0"), /header is not valid JSON/],
    ["metadata value object", craft('{"__metadata__":{"__proto__":{"polluted":"yes"}}}'), /__metadata__ "__proto__": value must be a string/],
    ["metadata is a string", craft({ __metadata__: "x" }), /__metadata__ must be an object of strings/],
    ["__proto__ entry that is not a tensor", craft('{"__proto__":{"polluted":"yes"}}'), /tensor "__proto__": unexpected field "polluted"/],
    ["duplicate via escape", craft('{"a":' + JSON.stringify(f32([2], [0, 8])) + ',"\\u0061":' + JSON.stringify(f32([2], [0, 8])) + "}", data8), /duplicate key "a" in the header/],
    ["deep nesting", craft('{"a":' + "[".repeat(100_000) + "]".repeat(100_000) + "}"), /entry must be an object, got an array/],
    ["two tensors sharing bytes", craft({ a: f32([2], [0, 8]), b: f32([2], [0, 8]) }, data8), /overlap/],
    ["zero-size tensor inside another", craft({ a: f32([2], [0, 8]), b: f32([0], [4, 4]) }, data8), /overlap/],
    ["BOOL byte 255", craft({ m: { dtype: "BOOL", shape: [1], data_offsets: [0, 1] } }, [255]), /BOOL byte at index 0 is 255/],
    ["I64 beyond int32", craft({ i: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }, [0, 0, 0, 0, 1, 0, 0, 0]), /I64 value 4294967296 at index 0 does not fit in int32/],
  ];
  for (const [what, bytes, reason] of rejected) {
    assert.equal(outcome(bytes, what), "rejected", what);
    assert.throws(() => parseSafetensors(bytes), reason, what);
  }

  const accepted: [string, Uint8Array][] = [
    ["__proto__, constructor and prototype as tensor names", craft('{"__proto__":' + JSON.stringify(f32([1], [0, 4])) + ',"constructor":' + JSON.stringify(f32([1], [4, 8])) + ',"prototype":' + JSON.stringify(f32([0], [8, 8])) + "}", data8)],
    ["Object.prototype names as metadata keys", craft('{"__metadata__":{"__proto__":"a","hasOwnProperty":"b","toString":"c"}}')],
    ["null metadata", craft('{"__metadata__":null}')],
    ["huge zero-size shape", craft({ a: f32([2 ** 53 - 1, 0], [0, 0]) })],
    ["10000 dims of 1", craft({ a: f32(new Array(10_000).fill(1), [0, 4]) }, new Uint8Array(4))],
    ["empty tensor name", craft({ "": f32([2], [0, 8]) }, data8)],
    ["a megabyte-long tensor name", craft({ ["n".repeat(1 << 20)]: f32([2], [0, 8]) }, data8)],
    ["header padded with spaces", craft("{}" + " ".repeat(1000))],
  ];
  for (const [what, bytes] of accepted) assert.equal(outcome(bytes, what), "ok", what);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, "Object.prototype untouched");
});

test("a header with 100k zero-size tensors parses in reasonable time", { timeout: 60_000 }, () => {
  const entries = Array.from({ length: 100_000 }, (_, i) => `"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
  const bytes = craft(`{${entries.join(",")}}`);
  const started = performance.now();
  const { tensors } = parseSafetensors(bytes);
  assert.equal(Object.keys(tensors).length, 100_000);
  assert.ok(performance.now() - started < 20_000);
  for (const t of Object.values(tensors)) t.dispose();
});
