import assert from "node:assert/strict";
import { test } from "node:test";
import { CartPole, ReplayBuffer, Rng, computeGae, evaluateGreedy, meanOf, trainDqn } from "../../src/rl/index.js";

test("GAE matches a hand-computed two-step rollout", () => {
  // γ = 0.9, λ = 0.5, one env; rewards [1, 1], values [0.5, 0.4, 0.3], episode ends after step 2
  // δ1 = 1 + 0 − 0.4 = 0.6 → A1 = 0.6
  // δ0 = 1 + 0.9·0.4 − 0.5 = 0.86 → A0 = 0.86 + 0.9·0.5·0.6 = 1.13
  const { advantages, returns } = computeGae([[1], [1]], [[0.5], [0.4], [0.3]], [[0], [1]], 0.9, 0.5);
  assert.ok(Math.abs(advantages[0][0] - 1.13) < 1e-9 && Math.abs(advantages[1][0] - 0.6) < 1e-9, JSON.stringify(advantages));
  assert.ok(Math.abs(returns[0][0] - 1.63) < 1e-9, JSON.stringify(returns));
});

test("the replay buffer overwrites the oldest transitions and samples what it holds", () => {
  const b = new ReplayBuffer(3, 2);
  for (let i = 0; i < 5; i++) b.push([i, i], i, i * 10, [i + 1, i + 1], i === 4);
  assert.equal(b.size, 3);
  const s = b.sample(50, new Rng(0));
  const seen = new Set(s.actions);
  assert.deepEqual([...seen].sort(), [2, 3, 4]);
  for (let k = 0; k < 50; k++) {
    assert.equal(s.rewards[k], s.actions[k] * 10);
    assert.equal(s.obs[2 * k], s.actions[k]);
    assert.equal(s.dones[k], s.actions[k] === 4 ? 1 : 0);
  }
});

test("DQN learns cart-pole beyond a random policy in a short run", () => {
  // random play lasts ~22 steps; 8k steps with training from step 1k is enough to more than double it
  const r = trainDqn(new CartPole(), { totalSteps: 8000, hidden: [64, 64], trainFreq: 64, gradientSteps: 32, explorationFraction: 0.5, seed: 0 });
  const score = meanOf(evaluateGreedy(() => new CartPole(), r.qNet, 20));
  assert.ok(score >= 50, `greedy mean return ${score}`);
  assert.ok(r.losses.every(Number.isFinite));
  r.qNet.dispose();
});

test("DQN with evalEvery returns the network of its best greedy check, which replays to the same score", () => {
  const r = trainDqn(new CartPole(), {
    totalSteps: 6000, hidden: [32, 32], trainFreq: 64, gradientSteps: 16, explorationFraction: 0.5, seed: 1,
    evalEvery: 1000, evalEpisodes: 5, makeEvalEnv: () => new CartPole(),
  });
  // checks at 2k, 3k, 4k, 5k, 6k (after learningStarts = 1k)
  assert.deepEqual(r.evaluations.map(([s]) => s), [2000, 3000, 4000, 5000, 6000]);
  const scores = r.evaluations.map(([, m]) => m);
  const at = scores.indexOf(Math.max(...scores));
  assert.deepEqual(r.best, { step: r.evaluations[at][0], meanReturn: scores[at] });
  // the same 5 episodes (seeds 10000 + 5·index) played by the returned network give the same mean
  assert.equal(meanOf(evaluateGreedy(() => new CartPole(), r.qNet, 5, 10_000 + 5 * at)), scores[at]);
  r.qNet.dispose();
});
