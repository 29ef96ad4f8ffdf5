import assert from "node:assert/strict";
import { test } from "node:test";
import { GridWorld, TabularAgent, linearSchedule } from "../../src/rl/index.js";

// 2×3 grid, wall at (0,1), start (0,0), goal (0,2):
//   S # G
//   . . .
const tiny = (slip = 0): GridWorld => new GridWorld({ rows: 2, cols: 3, start: [0, 0], goal: [0, 2], walls: [[0, 1]], slip });

test("moves, walls, edges and the goal behave as specified", () => {
  const env = tiny();
  assert.equal(env.reset(), 0);
  assert.deepEqual(env.step(1), { observation: 0, reward: -1, terminated: false, truncated: false }); // right: wall, stays
  assert.equal(env.step(0).observation, 0); // up: edge, stays
  assert.equal(env.step(2).observation, 3); // down
  assert.equal(env.step(1).observation, 4);
  assert.equal(env.step(1).observation, 5);
  assert.deepEqual(env.step(0), { observation: 2, reward: -1, terminated: true, truncated: false });
  assert.deepEqual(env.distancesToGoal(), [4, Infinity, 0, 3, 2, 1]);
  assert.throws(() => new GridWorld({ rows: 2, cols: 2, start: [0, 0], goal: [5, 5] }), /goal \[5,5\] is outside the 2x2 grid/);
});

test("slip sends some moves in random directions, reproducibly per seed", () => {
  const env = tiny(0.5);
  const walk = (seed: number): number[] => {
    env.reset(seed);
    const out: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = env.step(2);
      out.push(r.observation);
      if (r.terminated || r.truncated) break;
    }
    return out;
  };
  assert.deepEqual(walk(1), walk(1));
  const all = [1, 2, 3, 4, 5].flatMap(walk);
  assert.ok(all.some((s) => s !== 3), "with slip 0.5 some 'down' moves must go elsewhere");
});

test("Q-learning converges to the optimal values of the tiny deterministic grid", () => {
  // γ = 1, −1 per step: Q*(s, a) = −1 − d(next(s, a)), with d the distance to the goal
  const env = tiny();
  const agent = new TabularAgent("q-learning", 6, 4, { alpha: 0.5, gamma: 1, epsilon: linearSchedule(1, 0.3, 300), seed: 3 });
  agent.train(env, 600);
  const d = env.distancesToGoal();
  for (const s of [0, 3, 4, 5]) {
    for (let a = 0; a < 4; a++) {
      const optimal = -1 - d[env.nextState(s, a)];
      assert.ok(Math.abs(agent.q[s * 4 + a] - optimal) < 0.05, `Q(${s}, ${a}) = ${agent.q[s * 4 + a]}, optimal ${optimal}`);
    }
  }
  assert.equal(agent.evaluate(env), -4);
});

test("SARSA reaches the optimal greedy return too", () => {
  const env = tiny();
  const agent = new TabularAgent("sarsa", 6, 4, { alpha: 0.5, epsilon: linearSchedule(1, 0, 200), seed: 1 });
  const returns = agent.train(env, 300);
  assert.equal(agent.evaluate(env), -4);
  assert.ok(returns.slice(-20).every((r) => r === -4), `last returns ${returns.slice(-20)}`);
});
