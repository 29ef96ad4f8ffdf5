import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { tensor, type Tensor } from "../../src/index.js";
import { loadCudaBackend } from "../../src/backends/cuda/load.js";
import { loadSafetensors, parseSafetensors, saveSafetensors, SafetensorsError, serializeSafetensors } from "../../src/io/index.js";
import { craft, headerOf, le } from "./craft.js";

const work = mkdtempSync(join(tmpdir(), "ingot-io-"));
after(() => rmSync(work, { recursive: true, force: true }));

const f16 = (values: number[]): Uint8Array => le(2, (v, i, x) => v.setUint16(i, x, true), values);
const f64 = (values: number[]): Uint8Array => le(8, (v, i, x) => v.setFloat64(i, x, true), values);
const i64 = (values: bigint[]): Uint8Array => {
  const out = new Uint8Array(8 * values.length);
  values.forEach((x, i) => new DataView(out.buffer).setBigInt64(8 * i, x, true));
  return out;
};

/** Parses a one-tensor file and returns the tensor. */
function one(dtype: string, shape: number[], data: Uint8Array): Tensor {
  return parseSafetensors(craft({ t: { dtype, shape, data_offsets: [0, data.length] } }, data)).tensors.t;
}

function assertSame(a: Tensor, b: Tensor, what: string): void {
  assert.equal(a.dtype, b.dtype, `${what}: dtype`);
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()), `${what}: values`);
}

function sampleTensors(): Record<string, Tensor> {
  return {
    "fc1.weight": tensor([[0.5, -1.25, 3e-38], [Infinity, -0, 1e38]]),
    "fc1.bias": tensor([NaN, 7]),
    scalar: tensor(-2.5),
    "int.scalar": tensor(41, { dtype: "int32" }),
    ids: tensor([[0, -1], [2147483647, -2147483648]], { dtype: "int32" }),
    mask: tensor([[[true, false, true]], [[false, false, true]]]),
    empty: tensor(new Float32Array(0), { shape: [0, 4] }),
    "empty.ints": tensor(new Int32Array(0), { shape: [3, 0, 2], dtype: "int32" }),
    "empty.bool": tensor(new Uint8Array(0), { shape: [0], dtype: "bool" }),
    "ünïcode name ✓": tensor([1, 2, 3, 4, 5, 6, 7], { shape: [7, 1, 1] }),
  };
}

test("serialize/parse round-trips every written dtype and shape, scalars and zero-size tensors included", () => {
  const src = sampleTensors();
  const { tensors, metadata } = parseSafetensors(serializeSafetensors(src, { note: "hello", "": "empty key" }));
  assert.deepEqual(Object.keys(tensors).sort(), Object.keys(src).sort());
  for (const name of Object.keys(src)) assertSame(tensors[name], src[name], name);
  assert.ok(Object.is(tensors["fc1.weight"].dataSync()[4], -0), "-0 keeps its sign");
  assert.ok(Number.isNaN(tensors["fc1.bias"].dataSync()[0]));
  assert.deepEqual(metadata, { note: "hello", "": "empty key" });
  // no metadata written: an empty object comes back, and no __metadata__ key is in the header
  const bare = serializeSafetensors({ x: tensor([1]) });
  assert.deepEqual(parseSafetensors(bare).metadata, {});
  assert.equal(Object.hasOwn(headerOf(bare), "__metadata__"), false);
  // no tensors at all is a valid file
  const none = parseSafetensors(serializeSafetensors({}, { k: "v" }));
  assert.deepEqual(none.tensors, {});
  assert.deepEqual(none.metadata, { k: "v" });
});

test("serialize lays out the header like the reference: metadata first, F32 then I32 then BOOL by name, space padding to 8", () => {
  const bytes = serializeSafetensors(
    { m: tensor([true, false, true]), b: tensor([5, 6], { dtype: "int32" }), a: tensor([[1, 2], [3, 4]]), s: tensor(9) },
    { k: "v" },
  );
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const expected =
    '{"__metadata__":{"k":"v"},' +
    '"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},' +
    '"s":{"dtype":"F32","shape":[],"data_offsets":[16,20]},' +
    '"b":{"dtype":"I32","shape":[2],"data_offsets":[20,28]},' +
    '"m":{"dtype":"BOOL","shape":[3],"data_offsets":[28,31]}}';
  assert.equal(n % 8, 0);
  assert.equal(new TextDecoder().decode(bytes.subarray(8, 8 + n)), expected + " ".repeat(n - expected.length));
  assert.ok(n - expected.length < 8);
  assert.equal(bytes.length, 8 + n + 31);
  const data = bytes.subarray(8 + n);
  assert.deepEqual(Array.from(new Float32Array(data.slice(0, 16).buffer)), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(new Float32Array(data.slice(16, 20).buffer)), [9]);
  assert.deepEqual(Array.from(new Int32Array(data.slice(20, 28).buffer)), [5, 6]);
  assert.deepEqual(Array.from(data.subarray(28)), [1, 0, 1]);
});

test("F16 and BF16 convert exactly to float32, specials and subnormals included", () => {
  const h = one("F16", [10], f16([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555, 0x0400]));
  assert.equal(h.dtype, "float32");
  const hv = Array.from(h.dataSync());
  assert.deepEqual(hv.slice(0, 4), [1, -2, 65504, 2 ** -24]);
  assert.ok(Object.is(hv[4], -0));
  assert.deepEqual(hv.slice(5, 7), [Infinity, -Infinity]);
  assert.ok(Number.isNaN(hv[7]));
  assert.deepEqual(hv.slice(8), [0.333251953125, 2 ** -14]);

  const b = one("BF16", [2, 3], f16([0x3f80, 0xc040, 0x7f80, 0x7fc0, 0x3e20, 0x0001]));
  assert.deepEqual(b.shape, [2, 3]);
  const bv = Array.from(b.dataSync());
  assert.deepEqual([bv[0], bv[1], bv[2], bv[4], bv[5]], [1, -3, Infinity, 0.15625, 2 ** -133]);
  assert.ok(Number.isNaN(bv[3]));
});

test("F64 rounds to nearest float32 (ties to even); integer dtypes load as int32", () => {
  const d = one("F64", [5], f64([0.1, 1e40, 2 ** -150, 1 + 2 ** -24, 1 + 3 * 2 ** -24]));
  assert.deepEqual(Array.from(d.dataSync()), [Math.fround(0.1), Infinity, 0, 1, 1 + 2 ** -22]);
  const i = one("I64", [4], i64([5n, -5n, 2147483647n, -2147483648n]));
  assert.equal(i.dtype, "int32");
  assert.deepEqual(Array.from(i.dataSync()), [5, -5, 2147483647, -2147483648]);
  assert.deepEqual(Array.from(one("U64", [2], i64([0n, 2147483647n])).dataSync()), [0, 2147483647]);
  assert.deepEqual(Array.from(one("I8", [3], Uint8Array.from([0x80, 0x7f, 0xff])).dataSync()), [-128, 127, -1]);
  assert.deepEqual(Array.from(one("U8", [2], Uint8Array.from([255, 0])).dataSync()), [255, 0]);
  assert.deepEqual(Array.from(one("I16", [2], f16([0x8000, 0x7fff])).dataSync()), [-32768, 32767]);
  assert.deepEqual(Array.from(one("U16", [1], f16([0xffff])).dataSync()), [65535]);
  assert.deepEqual(Array.from(one("U32", [1], le(4, (v, at, x) => v.setUint32(at, x, true), [2147483647])).dataSync()), [2147483647]);
});

test("integers int32 cannot hold and BOOL bytes other than 0/1 are refused, naming tensor, index and value", () => {
  assert.throws(() => one("I64", [3], i64([1n, 2n, 2147483648n])), /safetensors buffer: tensor "t": I64 value 2147483648 at index 2 does not fit in int32/);
  assert.throws(() => one("I64", [1], i64([-2147483649n])), /I64 value -2147483649 at index 0 does not fit/);
  assert.throws(() => one("U64", [1], i64([1n << 32n])), /U64 value 4294967296 at index 0 does not fit/);
  assert.throws(() => one("U32", [1], le(4, (v, at, x) => v.setUint32(at, x, true), [2 ** 31])), /U32 value 2147483648 at index 0/);
  assert.throws(() => one("BOOL", [3], Uint8Array.from([0, 1, 2])), (e: Error) => e instanceof SafetensorsError && /tensor "t": BOOL byte at index 2 is 2, expected 0 or 1/.test(e.message));
});

test("misaligned data (another writer's layout) is read correctly", () => {
  // a 1-byte tensor first puts the F32 tensor at offset 1 of the data buffer
  const data = new Uint8Array(1 + 8);
  data[0] = 1;
  new DataView(data.buffer).setFloat32(1, 1.5, true);
  new DataView(data.buffer).setFloat32(5, -3, true);
  const { tensors } = parseSafetensors(craft({ m: { dtype: "BOOL", shape: [1], data_offsets: [0, 1] }, f: { dtype: "F32", shape: [2], data_offsets: [1, 9] } }, data));
  assert.deepEqual(Array.from(tensors.f.dataSync()), [1.5, -3]);
  assert.deepEqual(tensors.m.toArray(), [true]);
  // the same from a Uint8Array that is itself a view at an odd offset of a bigger buffer
  const bytes = craft({ f: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, data.subarray(1));
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  assert.deepEqual(Array.from(parseSafetensors(shifted.subarray(3)).tensors.f.dataSync()), [1.5, -3]);
  // and from a Buffer view, whose slice() is not a copy
  const buf = Buffer.concat([Buffer.alloc(3), bytes]).subarray(3);
  assert.deepEqual(Array.from(parseSafetensors(buf).tensors.f.dataSync()), [1.5, -3]);
});

test("names like __proto__ stay plain own keys and touch no prototype", () => {
  // an object literal's __proto__ sets its prototype rather than a key, so the header text is spelled out
  const header = '{"__metadata__":{"__proto__":"meta"},"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"constructor":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
  const { tensors, metadata } = parseSafetensors(craft(header, new Uint8Array(8)));
  assert.deepEqual(Object.keys(tensors).sort(), ["__proto__", "constructor"]);
  assert.equal(Object.getPrototypeOf(tensors), Object.prototype);
  assert.equal(tensors.__proto__.shape[0], 1, "an own property, not the prototype accessor");
  assert.equal(Object.getOwnPropertyDescriptor(metadata, "__proto__")?.value, "meta");
  assert.equal(({} as Record<string, unknown>).dtype, undefined, "Object.prototype untouched");
  // and they survive a write/read cycle
  const again = parseSafetensors(serializeSafetensors(tensors, metadata));
  assert.deepEqual(Object.keys(again.tensors).sort(), ["__proto__", "constructor"]);
  assert.equal(Object.getOwnPropertyDescriptor(again.metadata, "__proto__")?.value, "meta");
});

test("header errors name the source, the tensor and the problem", () => {
  const src = { source: "model.safetensors" };
  const cases: [Uint8Array, RegExp][] = [
    [craft({ "fc1.weight": { dtype: "F32", shape: [3, 4], data_offsets: [0, 40] } }, new Uint8Array(40)), /^model\.safetensors: tensor "fc1\.weight": data_offsets \[0, 40\] hold 40 bytes but F32 shape \[3,4\] needs 48$/],
    [craft("{}", new Uint8Array(1190), 1832n), /^model\.safetensors: truncated: header says 1832 bytes but the file has 1192 after the 8-byte length$/],
    [new Uint8Array(5), /file is 5 bytes, too short to hold the 8-byte header length/],
    [craft("{}", [], 2n ** 64n - 1n), /header length 18446744073709551615 exceeds the 100000000-byte limit/],
    [craft({ a: { dtype: "F33", shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor "a": unknown dtype "F33"/],
    [craft({ a: { dtype: "F8_E4M3", shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /tensor "a": dtype F8_E4M3 is not supported by ingot/],
    [craft({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor "a": shape\[0\] must be a non-negative integer, got number "-1"/],
    [craft({ a: { dtype: "F32", shape: [1.5], data_offsets: [0, 4] } }, new Uint8Array(4)), /shape\[0\] must be a non-negative integer/],
    [craft({ a: { dtype: "F32", shape: "1", data_offsets: [0, 4] } }, new Uint8Array(4)), /shape must be an array of non-negative integers, got string "1"/],
    [craft({ a: { dtype: "F32", shape: [1], data_offsets: [4, 0] } }, new Uint8Array(4)), /data_offsets \[4, 0\] end before they begin/],
    [craft({ a: { dtype: "F32", shape: [1], data_offsets: [0, 8] } }, new Uint8Array(4)), /data_offsets \[0, 8\] run past the 4-byte data buffer/],
    [craft({ a: { dtype: "F32", shape: [1], data_offsets: [0] } }, new Uint8Array(4)), /data_offsets must be \[begin, end\], got an array/],
    [craft({ a: { dtype: "F32", shape: [1], data_offsets: ["0", 4] } }, new Uint8Array(4)), /data_offsets must be two non-negative integers/],
    [craft({ a: { dtype: "F32", shape: [1] } }, new Uint8Array(4)), /tensor "a": missing field "data_offsets"/],
    [craft({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4], extra: 1 } }, new Uint8Array(4)), /tensor "a": unexpected field "extra"/],
    [craft({ a: [1, 2] }, []), /tensor "a": entry must be an object, got an array/],
    [craft({ __metadata__: { k: 1 } }), /__metadata__ "k": value must be a string, got number "1"/],
    [craft({ __metadata__: ["x"] }), /__metadata__ must be an object of strings/],
    [craft("[1,2]"), /header must start with "\{"/],
    [craft(" {}"), /header must start with "\{"/],
    [craft("{\"a\":"), /header is not valid JSON/],
    [craft('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)), /duplicate key "a" in the header/],
    [craft('{"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)), /duplicate key "dtype" in "a"/],
    [
      craft({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)),
      /tensors "a" \[0, 8\] and "b" \[4, 12\] overlap/,
    ],
    [craft({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /bytes \[0, 4\) of the data buffer belong to no tensor \(gap before tensor "a"\)/],
    [craft({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, new Uint8Array(6)), /bytes \[4, 6\) at the end of the data buffer belong to no tensor/],
    [craft({ a: { dtype: "F32", shape: [1e12, 1e12], data_offsets: [0, 4] } }, new Uint8Array(4)), /F32 shape \[1000000000000,1000000000000\] needs 4e\+24/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(() => parseSafetensors(bytes, src), (e: unknown) => {
      assert.ok(e instanceof SafetensorsError, `${re}: got ${String(e)}`);
      assert.match(e.message, re);
      assert.match(e.message, /^model\.safetensors: /);
      return true;
    });
  }
  // the UTF-8 check on its own: a header byte that is not UTF-8
  const bad = craft('{"a":1}');
  bad[10] = 0xff;
  assert.throws(() => parseSafetensors(bad), /header is not valid UTF-8/);
});

test("writers refuse what they cannot write, naming the tensor", () => {
  const gone = tensor([1]);
  gone.dispose();
  assert.throws(() => serializeSafetensors({ w: gone }), /serializeSafetensors: tensors\["w"\] was disposed/);
  assert.throws(() => serializeSafetensors({ w: [1, 2] as unknown as Tensor }), /tensors\["w"\] is not a Tensor/);
  assert.throws(() => serializeSafetensors({ __metadata__: tensor([1]) }), /"__metadata__" is reserved/);
  assert.throws(() => serializeSafetensors({ w: tensor([1]) }, { k: 3 as unknown as string }), /metadata\["k"\] must be a string, got number/);
});

test("saveSafetensors/loadSafetensors round-trip through a file, byte-identical to serializeSafetensors", async () => {
  const path = join(work, "round.safetensors");
  const src = sampleTensors();
  await saveSafetensors(path, src, { epoch: "3" });
  assert.deepEqual(new Uint8Array(readFileSync(path)), serializeSafetensors(src, { epoch: "3" }));
  const { tensors, metadata } = await loadSafetensors(path);
  for (const name of Object.keys(src)) assertSame(tensors[name], src[name], name);
  assert.deepEqual(metadata, { epoch: "3" });
  assert.deepEqual(readdirSync(work).filter((f) => f.startsWith(".")), [], "no temp files left");
});

test("loadSafetensors validates like parseSafetensors and names the path", async () => {
  const good = serializeSafetensors({ w: tensor([[1, 2], [3, 4]]) });
  const path = join(work, "trunc.safetensors");
  writeFileSync(path, good.subarray(0, good.length - 1));
  await assert.rejects(loadSafetensors(path), (e: Error) => e instanceof SafetensorsError && e.message.startsWith(`${path}: `) && /belong to no tensor|run past/.test(e.message));
  writeFileSync(path, good.subarray(0, 20));
  await assert.rejects(loadSafetensors(path), /truncated: header says \d+ bytes but the file has 12 after the 8-byte length/);
  await assert.rejects(loadSafetensors(join(work, "missing.safetensors")), (e: Error) => e instanceof SafetensorsError && /missing\.safetensors: cannot open: .*ENOENT/.test(e.message));
  await assert.rejects(loadSafetensors(work), (e: Error) => e instanceof SafetensorsError && /not a regular file/.test(e.message));
});

test("a save that fails part way leaves the old file intact and no temp file behind", async () => {
  const dir = mkdtempSync(join(work, "atomic-"));
  const path = join(dir, "model.safetensors");
  await saveSafetensors(path, { w: tensor([1, 2, 3]) });
  const before = readFileSync(path);
  const bad = tensor([4, 5, 6]);
  bad.dataSync = () => {
    throw new Error("disk on fire");
  };
  // "a" is written first, then "b" throws while its bytes are produced
  await assert.rejects(saveSafetensors(path, { a: tensor(new Float32Array(1000)), b: bad }), /disk on fire/);
  assert.deepEqual(readFileSync(path), before);
  assert.deepEqual(readdirSync(dir), ["model.safetensors"]);
  // and a first save that fails leaves nothing at all
  await assert.rejects(saveSafetensors(join(dir, "new.safetensors"), { b: bad }), /disk on fire/);
  assert.deepEqual(readdirSync(dir), ["model.safetensors"]);
});

test("a process killed in the middle of saveSafetensors leaves the old file intact", async () => {
  const dir = mkdtempSync(join(work, "killed-"));
  const path = join(dir, "model.safetensors");
  await saveSafetensors(path, { old: tensor([7, 8]) });
  const before = readFileSync(path);
  const r = spawnSync(process.execPath, ["--import", "tsx", join("test", "io", "die-mid-save.ts"), "file", path], { encoding: "utf8" });
  assert.equal(r.signal, "SIGKILL", r.stderr);
  assert.deepEqual(readFileSync(path), before);
  // the killed writer did get part way: its temp file holds the first tensor, and only that is left over
  const litter = readdirSync(dir).filter((f) => f !== "model.safetensors");
  assert.equal(litter.length, 1);
  assert.match(litter[0], /^\.model\.safetensors\.tmp-/);
  assert.ok(readFileSync(join(dir, litter[0])).length > 1 << 20);
});

const cuda = loadCudaBackend();

test("GPU tensors save from and load onto the cuda device", { skip: cuda.backend ? false : `cuda backend unavailable: ${cuda.reason}` }, async () => {
  const path = join(work, "gpu.safetensors");
  const host = sampleTensors();
  const onGpu = Object.fromEntries(Object.entries(host).map(([k, t]) => [k, tensor(t.dataSync(), { shape: t.shape, dtype: t.dtype, device: "cuda" })]));
  await saveSafetensors(path, onGpu);
  assert.deepEqual(new Uint8Array(readFileSync(path)), serializeSafetensors(host), "the same bytes as from host tensors");
  const { tensors } = await loadSafetensors(path, { device: "cuda" });
  for (const name of Object.keys(host)) {
    assert.equal(tensors[name].device, "cuda", name);
    assertSame(tensors[name], host[name], name);
  }
  const fixture = parseSafetensors(readFileSync("test/fixtures/io-interop.safetensors"), { device: "cuda" });
  assert.equal(fixture.tensors["bf16.random"].device, "cuda");
});
