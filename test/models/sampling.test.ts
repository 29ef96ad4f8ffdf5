// Sampling filters against distributions worked out by hand, and the draw against its own probabilities.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Generator, applyRepetitionPenalty, checkSamplingOptions, pickToken, processLogits, sampleIndex, softmaxRow, topKFilter, topPFilter,
} from "../../src/index.js";

const logOf = (ps: number[]): Float32Array => Float32Array.from(ps, Math.log);
const kept = (l: Float32Array): number[] => [...l.keys()].filter((i) => l[i] > -Infinity);

test("repetition penalty divides positive logits and multiplies negative ones of seen tokens only", () => {
  const l = Float32Array.of(2, -1, 3, -4, 0.5);
  applyRepetitionPenalty(l, [0, 1, 1, 3], 2); // a repeated id is penalised once
  assert.deepEqual([...l], [1, -2, 3, -8, 0.5]);
  const same = Float32Array.of(2, -1);
  applyRepetitionPenalty(same, [0, 1], 1);
  assert.deepEqual([...same], [2, -1]);
});

test("top-k keeps the k largest logits (and ties with the k-th)", () => {
  assert.deepEqual(kept(topKFilter(Float32Array.of(1, 5, 3, 4, 2), 2)), [1, 3]);
  assert.deepEqual(kept(topKFilter(Float32Array.of(1, 3, 3, 0), 2)), [1, 2]);
  assert.deepEqual(kept(topKFilter(Float32Array.of(1, 3, 3, 0), 1)), [1, 2]); // tie with the 1st
  assert.deepEqual(kept(topKFilter(Float32Array.of(1, 2), 5)), [0, 1]);
});

test("top-p keeps the smallest most-likely set whose mass reaches p", () => {
  const probs = [0.1, 0.5, 0.15, 0.25]; // sorted: 0.5, 0.25, 0.15, 0.1
  assert.deepEqual(kept(topPFilter(logOf(probs), 0.5)), [1]); // 0.5 alone reaches 0.5
  assert.deepEqual(kept(topPFilter(logOf(probs), 0.6)), [1, 3]); // 0.75
  assert.deepEqual(kept(topPFilter(logOf(probs), 0.8)), [1, 2, 3]); // 0.9
  assert.deepEqual(kept(topPFilter(logOf(probs), 0.95)), [0, 1, 2, 3]);
  assert.deepEqual(kept(topPFilter(logOf(probs), 0.01)), [1]); // the top token always survives
  // the surviving tokens renormalise: 0.5/0.75 and 0.25/0.75
  const p = softmaxRow(topPFilter(logOf(probs), 0.6));
  assert.ok(Math.abs(p[1] - 2 / 3) < 1e-6 && Math.abs(p[3] - 1 / 3) < 1e-6 && p[0] === 0 && p[2] === 0, `renormalised ${[...p]}`);
});

test("processLogits applies penalty, temperature, top-k then top-p", () => {
  // logits [2, 1, 0, -1]; penalise id 0 by 2 → [1, 1, 0, -1]; temperature 0.5 → [2, 2, 0, -2]
  const out = processLogits([2, 1, 0, -1], { repetitionPenalty: 2, temperature: 0.5, topK: 3 }, [0]);
  assert.deepEqual([...out], [2, 2, 0, -Infinity]);
  // top-p 0.8 after that: softmax of [2, 2, 0] = [0.4683, 0.4683, 0.0634] → the two 2s (0.937) suffice
  assert.deepEqual(kept(processLogits([2, 1, 0, -1], { repetitionPenalty: 2, temperature: 0.5, topK: 3, topP: 0.8 }, [0])), [0, 1]);
  // temperature 0 is greedy: the warpers are skipped, the penalty still counts
  assert.equal(pickToken([3, 2, 0], { repetitionPenalty: 2 }, [0], new Generator(0)), 1);
  assert.equal(pickToken([3, 2, 0], {}, [0], new Generator(0)), 0);
});

test("sampleIndex inverts the CDF and seeded draws follow the distribution", () => {
  const p = [0.2, 0, 0.5, 0.3];
  assert.equal(sampleIndex(p, 0), 0);
  assert.equal(sampleIndex(p, 0.19), 0);
  assert.equal(sampleIndex(p, 0.2), 2); // zero-probability tokens are never drawn
  assert.equal(sampleIndex(p, 0.71), 3);
  assert.equal(sampleIndex(p, 0.99999999), 3);
  const counts = [0, 0, 0, 0];
  const gen = new Generator(42);
  for (let i = 0; i < 4000; i++) counts[pickToken(logOf([0.2, 0.1, 0.4, 0.3]), { temperature: 1 }, [], gen)]++;
  [0.2, 0.1, 0.4, 0.3].forEach((q, i) => assert.ok(Math.abs(counts[i] / 4000 - q) < 0.03, `token ${i}: ${counts[i] / 4000} vs ${q}`));
  // top-k 2 at temperature 1 draws only from {2, 3} in ratio 4:3
  const k2 = [0, 0, 0, 0];
  for (let i = 0; i < 2000; i++) k2[pickToken(logOf([0.2, 0.1, 0.4, 0.3]), { temperature: 1, topK: 2 }, [], gen)]++;
  assert.equal(k2[0] + k2[1], 0);
  assert.ok(Math.abs(k2[2] / 2000 - 4 / 7) < 0.04, `top-k share ${k2[2] / 2000}`);
});

test("bad sampling options are rejected by name", () => {
  assert.throws(() => checkSamplingOptions("gen", { temperature: -1 }), /temperature/);
  assert.throws(() => checkSamplingOptions("gen", { topK: 0 }), /topK/);
  assert.throws(() => checkSamplingOptions("gen", { topK: 1.5 }), /topK/);
  assert.throws(() => checkSamplingOptions("gen", { topP: 0 }), /topP/);
  assert.throws(() => checkSamplingOptions("gen", { topP: 1.2 }), /topP/);
  assert.throws(() => checkSamplingOptions("gen", { repetitionPenalty: 0 }), /repetitionPenalty/);
  checkSamplingOptions("gen", { temperature: 0.7, topK: 5, topP: 0.9, repetitionPenalty: 1.3 });
});
