import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runGridworld } from "../../examples/rl-gridworld.js";

test("rl-gridworld quick: Q-learning and SARSA reach the maze's optimal return (−14)", async () => {
  const outDir = mkdtempSync(join(tmpdir(), "rl-grid-"));
  try {
    const m = await runGridworld({ quick: true, seed: 0, outDir });
    assert.equal(m.optimalReturn, -14); // Sutton & Barto's Dyna maze: 14 steps
    assert.equal(m.qLearningGreedyReturn, m.optimalReturn);
    assert.equal(m.sarsaGreedyReturn, m.optimalReturn);
    assert.ok(m.qLearningLastEpisodesMean > m.qLearningFirstEpisodesMean + 50, JSON.stringify(m));
    assert.ok(m.sarsaLastEpisodesMean > m.sarsaFirstEpisodesMean + 50, JSON.stringify(m));
    assert.ok(m.slipQLearningMeanReturn > -25 && m.slipSarsaMeanReturn > -25, JSON.stringify(m));
    for (const f of ["q-learning/model.safetensors", "sarsa/config.json", "learning-curves.svg"]) assert.ok(existsSync(join(outDir, f)), f);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
