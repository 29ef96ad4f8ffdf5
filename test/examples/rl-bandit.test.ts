import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runBanditExample } from "../../examples/rl-bandit.js";

test("rl-bandit quick: exploring strategies beat greedy; UCB has the least regret", async () => {
  const outDir = mkdtempSync(join(tmpdir(), "rl-bandit-"));
  try {
    const m = await runBanditExample({ quick: true, seed: 0, outDir });
    const r = m.finalRegret;
    assert.ok(r["ucb-2"] < r["epsilon-0.1"] && r["epsilon-0.1"] < r.greedy, JSON.stringify(r));
    assert.ok(m.optimalFraction["ucb-2"] > 0.6, JSON.stringify(m.optimalFraction));
    assert.ok(existsSync(join(outDir, "regret.svg")) && existsSync(join(outDir, "ucb", "model.safetensors")));
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
