// generate(): KV-cache decoding equals full recomputation token for token, seeded sampling repeats,
// stop strings and end tokens cut where they should, prompts of mixed lengths, bad options.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GPT2, Generator, generate, generateText, manualSeed, tensor } from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";

const ALPHABET = "abcdefghijklmnop"; // a 16-token character vocabulary
const encode = (s: string): number[] => [...s].map((c) => ALPHABET.indexOf(c));
const decode = (ids: Int32Array): string => [...ids].map((i) => ALPHABET[i]).join("");

function randomModel(seed = 5): GPT2 {
  manualSeed(seed);
  return new GPT2({ vocabSize: 16, nPositions: 32, nEmbd: 16, nLayer: 2, nHead: 2 });
}

backendTest("greedy with a KV cache equals greedy without one, token for token", () => {
  const m = randomModel();
  const prompt = tensor(Int32Array.of(1, 2, 3, 4, 5, 6, 7, 0, 9, 9), { shape: [2, 5] });
  const cached = generate(m, prompt, { maxNewTokens: 20 });
  const full = generate(m, prompt, { maxNewTokens: 20, useCache: false });
  assert.deepEqual(cached.map((r) => [...r]), full.map((r) => [...r]));
  // the host path (penalty 1 but an unused end token forces it) agrees with the device argmax path
  const host = generate(m, prompt, { maxNewTokens: 20, eosTokenId: 99 });
  assert.deepEqual(host.map((r) => [...r]), cached.map((r) => [...r]));
  // and with a penalty, cache and no cache still agree
  const pen = (useCache: boolean) => generate(m, prompt, { maxNewTokens: 20, repetitionPenalty: 1.5, useCache }).map((r) => [...r]);
  assert.deepEqual(pen(true), pen(false));
});

test("seeded sampling repeats exactly and different seeds differ", () => {
  const m = randomModel();
  const prompt = tensor(Int32Array.of(1, 2, 3), { shape: [1, 3] });
  const opts = { maxNewTokens: 24, temperature: 1.5, topK: 10, topP: 0.95 };
  const a = generate(m, prompt, { ...opts, generator: new Generator(11) });
  const b = generate(m, prompt, { ...opts, generator: new Generator(11) });
  const c = generate(m, prompt, { ...opts, generator: new Generator(12) });
  assert.deepEqual([...a[0]], [...b[0]]);
  assert.notDeepEqual([...a[0]], [...c[0]]);
  // cache or not, the same seed draws the same tokens
  assert.deepEqual([...generate(m, prompt, { ...opts, generator: new Generator(11), useCache: false })[0]], [...a[0]]);
});

test("repetition penalty changes greedy output away from repeats", () => {
  const m = randomModel(9);
  const prompt = [encode("abcab")];
  const plain = [...generate(m, prompt, { maxNewTokens: 25 })[0]];
  const penalised = [...generate(m, prompt, { maxNewTokens: 25, repetitionPenalty: 1e6 })[0]];
  // with a huge penalty a seen token can only win if every logit is negative: count distinct tokens
  assert.ok(new Set(penalised).size >= new Set(plain).size, `distinct ${new Set(penalised).size} vs ${new Set(plain).size}`);
  assert.notDeepEqual(penalised, plain);
});

test("stop strings and end tokens end a row where they occur", () => {
  const m = randomModel();
  const prompt = [encode("abc")];
  const free = decode(generate(m, prompt, { maxNewTokens: 20 })[0]);
  const stop = free.slice(5, 7); // a two-character string the greedy continuation contains
  const first = free.indexOf(stop);
  const ids = generate(m, prompt, { maxNewTokens: 20, stop: [stop], decode })[0];
  assert.equal(ids.length, first + 2, `stops at the token completing "${stop}" in "${free}"`);
  const [out] = generateText(m, ["abc"], { maxNewTokens: 20, stop: [stop, "zzz"], encode, decode });
  assert.equal(out.text, free.slice(0, first));
  assert.equal(out.finishReason, "stop");
  const [long] = generateText(m, ["abc"], { maxNewTokens: 20, stop: ["p".repeat(30)], encode, decode });
  assert.equal(long.finishReason, "length");
  assert.equal(long.text, free);
  const eos = ALPHABET.indexOf(free[3]);
  const byEos = generate(m, prompt, { maxNewTokens: 20, eosTokenId: eos })[0];
  assert.equal(byEos.length, free.indexOf(free[3]) + 1);
  assert.equal(byEos[byEos.length - 1], eos);
});

test("prompts of different lengths batch together and match one-at-a-time generation", () => {
  const m = randomModel();
  const prompts = [encode("abc"), encode("hello"), encode("ba"), encode("pop")];
  const together = generate(m, prompts, { maxNewTokens: 10 });
  prompts.forEach((p, i) => assert.deepEqual([...together[i]], [...generate(m, [p], { maxNewTokens: 10 })[0]], `prompt ${i}`));
});

test("bad generate options and prompts get clear errors", () => {
  const m = randomModel();
  assert.throws(() => generate(m, [encode("ab")], { maxNewTokens: 0 }), /maxNewTokens/);
  assert.throws(() => generate(m, [encode("ab")], { maxNewTokens: 2, stop: ["x"] }), /decode callback/);
  assert.throws(() => generate(m, [[]], { maxNewTokens: 2 }), /prompt 0 is empty/);
  assert.throws(() => generate(m, [encode("ab")], { maxNewTokens: 31 }), /exceed the context of 32/);
  assert.throws(() => generate(m, [encode("ab")], { maxNewTokens: 2, temperature: 1, topP: 2 }), /topP/);
});
