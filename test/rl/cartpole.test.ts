import assert from "node:assert/strict";
import { test } from "node:test";
import { CartPole } from "../../src/rl/index.js";

test("one Euler step from rest, pushing right, matches the Gym equations worked by hand", () => {
  // temp = F / (m_c + m_p) = 10 / 1.1 = 9.090909
  // θ̈ = (g sinθ − cosθ·temp) / (l (4/3 − m_p cos²θ / M)) = −9.090909 / (0.5 · 1.2424242) = −14.634146
  // ẍ = temp − m_p l θ̈ cosθ / M = 9.090909 + 0.05 · 14.634146 / 1.1 = 9.756098
  // Euler (τ = 0.02): x = 0, ẋ = 0.195122, θ = 0, θ̇ = −0.292683
  const env = new CartPole();
  env.resetTo([0, 0, 0, 0]);
  const r = env.step(1);
  const expected = [0, 0.19512195, 0, -0.29268293];
  r.observation.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `state[${i}] = ${v}, expected ${expected[i]}`));
  assert.equal(r.reward, 1);
  assert.equal(r.terminated, false);
});

test("a tilted, moving pole: positions advance by the old velocities, velocities by the new accelerations", () => {
  // θ = 0.1, θ̇ = 0.5, ẋ = 1, action 0 (F = −10):
  // sin = 0.0998334, cos = 0.9950042; temp = (−10 + 0.05·0.25·0.0998334)/1.1 = −9.0897747
  // θ̈ = (9.8·0.0998334 − 0.9950042·(−9.0897747)) / (0.5·(4/3 − 0.1·0.9900333/1.1)) = 10.0228 / 0.62167 = 16.12
  const env = new CartPole();
  env.resetTo([0.2, 1, 0.1, 0.5]);
  const r = env.step(0);
  const sin = Math.sin(0.1), cos = Math.cos(0.1);
  const temp = (-10 + 0.05 * 0.25 * sin) / 1.1;
  const thetaAcc = (9.8 * sin - cos * temp) / (0.5 * (4 / 3 - (0.1 * cos * cos) / 1.1));
  const xAcc = temp - (0.05 * thetaAcc * cos) / 1.1;
  assert.ok(Math.abs(thetaAcc - 16.12) < 0.01, `θ̈ ${thetaAcc}`); // the hand value above (gravity and the push both tip it right)
  const expected = [0.2 + 0.02 * 1, 1 + 0.02 * xAcc, 0.1 + 0.02 * 0.5, 0.5 + 0.02 * thetaAcc];
  r.observation.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-9, `state[${i}] = ${v}, expected ${expected[i]}`));
});

test("terminates past 12° or ±2.4 and truncates at 500 steps", () => {
  const env = new CartPole();
  env.resetTo([0, 0, 0.2, 1]); // θ = 0.2 + 0.02·1 = 0.22 rad > 12° = 0.2094
  assert.equal(env.step(1).terminated, true);
  env.resetTo([2.39, 1, 0, 0]);
  assert.equal(env.step(1).terminated, true);
  const short = new CartPole({ maxSteps: 3 });
  short.resetTo([0, 0, 0, 0]);
  const results = [short.step(0), short.step(1), short.step(0)];
  assert.deepEqual(results.map((r) => r.truncated), [false, false, true]);
  assert.equal(results[2].terminated, false);
  assert.throws(() => short.step(0), /episode is over/);
});

test("reset(seed) is reproducible and starts within ±0.05; bad actions are named", () => {
  const env = new CartPole();
  const a = env.reset(42);
  assert.deepEqual(env.reset(42), a);
  assert.ok(a.every((v) => Math.abs(v) <= 0.05));
  assert.notDeepEqual(env.reset(43), a);
  assert.throws(() => env.step(2), /action must be an integer in \[0, 2\), got 2/);
  assert.equal(env.observationSpace.kind, "box");
  assert.deepEqual(env.actionSpace, { kind: "discrete", n: 2 });
});
