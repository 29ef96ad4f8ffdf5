import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runGnnSocial } from "../../examples/gnn-social.js";

// Quick mode on the real Les Misérables graph (11 groups: chance ≈ 9%, the majority baseline ≈ 2% on
// this balanced labelling): both GNNs must classify most held-out characters, and the auto-encoder
// must rank held-out edges above non-edges.
test("gnn-social quick: GCN/GAT classify groups from 18 labels; the GAE predicts held-out links", async () => {
  const outDir = mkdtempSync(join(tmpdir(), "gnn-social-"));
  try {
    const m = await runGnnSocial({ quick: true, seed: 0, outDir });
    assert.ok(m.gcnLossLast < m.gcnLossFirst * 0.5, `GCN loss ${m.gcnLossFirst} → ${m.gcnLossLast}`);
    assert.ok(m.gatLossLast < m.gatLossFirst * 0.8, `GAT loss ${m.gatLossFirst} → ${m.gatLossLast}`);
    assert.ok(m.gaeLossLast < m.gaeLossFirst, `GAE loss ${m.gaeLossFirst} → ${m.gaeLossLast}`);
    assert.ok(m.gcnTestAccuracy >= 0.7, `GCN test accuracy ${m.gcnTestAccuracy}`);
    assert.ok(m.gatTestAccuracy >= 0.6, `GAT test accuracy ${m.gatTestAccuracy}`);
    assert.ok(m.gcnTestAccuracy > m.majorityAccuracy + 0.4);
    assert.ok(m.gaeTestAuc >= 0.75, `link AUC ${m.gaeTestAuc}`);
    for (const f of ["gcn/config.json", "gcn/model.safetensors", "gae/model.safetensors", "losses.svg", "graph-predicted-groups.svg"]) assert.ok(existsSync(join(outDir, f)), f);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
