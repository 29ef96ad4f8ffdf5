import assert from "node:assert/strict";
import { trainIris } from "../../examples/iris-mlp.js";
import { backendTest } from "../helpers/backends.js";

// The quick-start demo must really learn: real data (150 iris flowers), held-out accuracy floor.
backendTest("the iris demo reaches ≥ 90% held-out accuracy", () => {
  const r = trainIris({ epochs: 300, seed: 0, quiet: true });
  assert.ok(r.testAccuracy >= 0.9, `test accuracy ${r.testAccuracy}`);
  assert.ok(r.trainAccuracy >= 0.95, `train accuracy ${r.trainAccuracy}`);
  assert.ok(r.finalLoss < 0.15, `final loss ${r.finalLoss}`);
});
