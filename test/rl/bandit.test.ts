import assert from "node:assert/strict";
import { test } from "node:test";
import { EpsilonGreedyBandit, GaussianBandit, runBandit, UCB } from "../../src/rl/index.js";

test("Gaussian arms pay their mean on average", () => {
  const env = new GaussianBandit({ means: [0, 1.5], std: 0.5, maxSteps: 10_000 });
  env.reset(0);
  let s = 0;
  for (let i = 0; i < 4000; i++) s += env.step(1).reward;
  assert.ok(Math.abs(s / 4000 - 1.5) < 0.05, `mean ${s / 4000}`);
  assert.throws(() => env.step(2), /action must be an integer in \[0, 2\)/);
});

test("UCB and ε-greedy have sub-linear regret; greedy lags UCB", () => {
  const mean = (make: () => EpsilonGreedyBandit | UCB): { regret: number; early: number } => {
    let regret = 0, early = 0;
    for (let r = 0; r < 40; r++) {
      const run = runBandit(GaussianBandit.testbed(10, r), make(), 1000, r);
      regret += run.regret[999] / 40;
      early += run.regret[99] / 40;
    }
    return { regret, early };
  };
  const ucb = mean(() => new UCB(10, 2));
  const eps = mean(() => new EpsilonGreedyBandit(10, 0.1, 1));
  const greedy = mean(() => new EpsilonGreedyBandit(10, 0, 1));
  // sub-linear: the last 900 pulls cost less per pull than the first 100
  for (const [name, r] of [["ucb", ucb], ["eps", eps]] as const) assert.ok((r.regret - r.early) / 900 < r.early / 100, `${name}: ${JSON.stringify(r)}`);
  assert.ok(ucb.regret < greedy.regret, `ucb ${ucb.regret} vs greedy ${greedy.regret}`);
});
