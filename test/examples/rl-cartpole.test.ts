import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Sequential, loadModelDir, moduleFromConfig, noGrad, tensor } from "../../src/index.js";
import { runCartpole } from "../../examples/rl-cartpole.js";

// PPO for 20k steps (~10 s on a quiet machine): random play averages ~20; the floor of 150 over 50
// greedy episodes is far out of reach of a policy that did not learn.
test("rl-cartpole quick (PPO): greedy return ≥ 150 vs random ≈ 20, and the saved policy reloads", async () => {
  const outDir = mkdtempSync(join(tmpdir(), "rl-cartpole-"));
  try {
    const m = await runCartpole({ agent: "ppo", quick: true, seed: 0, outDir, evalEpisodes: 50 });
    assert.ok(m.randomMeanReturn < 40, `random ${m.randomMeanReturn}`);
    assert.ok(m.evalMeanReturn >= 150, `greedy mean return ${m.evalMeanReturn}`);
    assert.ok(m.lastEpisodesMeanReturn > m.firstEpisodesMeanReturn * 3, JSON.stringify(m));
    assert.ok(existsSync(join(outDir, "ppo-learning-curve.svg")));
    const loaded = await loadModelDir(join(outDir, "ppo"));
    const policy = moduleFromConfig<Sequential>(loaded.config.architecture as never);
    policy.loadStateDict(loaded.stateDict);
    const logits = noGrad(() => policy.forward(tensor([[0, 0, 0.1, 0.5]])).dataSync());
    assert.ok(logits[1] > logits[0], "a pole falling right must be answered by pushing right");
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
