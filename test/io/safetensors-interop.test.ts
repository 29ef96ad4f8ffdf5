// Reads a file written outside ingot (test/fixtures/make-io-fixtures.py, from torch tensors) and
// compares with the values torch gets converting each tensor to float32/int32.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { loadSafetensors, parseSafetensors, serializeSafetensors } from "../../src/io/index.js";

const FIXTURE = "test/fixtures/io-interop.safetensors";

interface Expected {
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; data: (number | string)[] }>;
}

const expected = JSON.parse(readFileSync("test/fixtures/io-interop.json", "utf8")) as Expected;
const decode = (v: number | string): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : (v as number));

test("a file written by Python from torch tensors loads with torch's values (F32, I32, BOOL, F16, BF16, F64, I64, U8)", async () => {
  const { tensors, metadata } = await loadSafetensors(FIXTURE);
  assert.deepEqual(metadata, expected.metadata);
  assert.deepEqual(Object.keys(tensors).sort(), Object.keys(expected.tensors).sort());
  const dtypesSeen = new Set<string>();
  for (const [name, want] of Object.entries(expected.tensors)) {
    const t = tensors[name];
    assert.equal(t.dtype, want.dtype, name);
    assert.deepEqual(t.shape, want.shape, name);
    // deepStrictEqual compares with Object.is: -0 vs 0 and NaN are checked exactly
    assert.deepEqual(Array.from(t.dataSync()), want.data.map(decode), name);
    dtypesSeen.add(name.split(".")[0]);
  }
  assert.deepEqual([...dtypesSeen].sort(), ["bf16", "bool", "f16", "f32", "f64", "i32", "i64", "u8"]);
});

test("the fixture parsed from memory matches the file load, and re-saving it keeps every value", async () => {
  const fromFile = await loadSafetensors(FIXTURE);
  const fromBytes = parseSafetensors(readFileSync(FIXTURE), { source: FIXTURE });
  const again = parseSafetensors(serializeSafetensors(fromBytes.tensors, fromBytes.metadata));
  for (const name of Object.keys(expected.tensors)) {
    assert.deepEqual(Array.from(fromBytes.tensors[name].dataSync()), Array.from(fromFile.tensors[name].dataSync()), name);
    assert.deepEqual(Array.from(again.tensors[name].dataSync()), Array.from(fromFile.tensors[name].dataSync()), name);
    assert.deepEqual(again.tensors[name].shape, fromFile.tensors[name].shape, name);
  }
});
