import assert from "node:assert/strict";
import { manualSeed, randn, tensor } from "../../src/index.js";
import { Embedding } from "../../src/nn/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";

backendTest("Embedding picks rows of its weight", () => {
  const e = new Embedding(5, 3);
  const w = e.weight.toArray() as number[][];
  const y = e.forward(tensor([[4, 0], [2, 2]], { dtype: "int32" }));
  assert.deepEqual([...y.shape], [2, 2, 3]);
  assertClose(y, [...w[4], ...w[0], ...w[2], ...w[2]]);
});

backendTest("Embedding paddingIdx: the row starts at zero and receives no gradient", () => {
  manualSeed(2);
  const e = new Embedding(4, 3, { paddingIdx: 1 });
  assertClose(e.weight.dataSync().slice(3, 6), [0, 0, 0]);
  assert.ok([...e.weight.dataSync()].filter((v) => v !== 0).length === 9, "the other rows are random");
  e.forward(tensor([1, 2, 1, 3], { dtype: "int32" })).sum().backward();
  // each looked-up row gets a gradient of ones per use; the padding row gets none
  assertClose(e.weight.grad!, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  const neg = new Embedding(4, 2, { paddingIdx: -1 });
  assert.equal(neg.paddingIdx, 3);
  assertClose(neg.weight.dataSync().slice(6), [0, 0]);
});

backendTest("Embedding.fromPretrained copies the table and freezes it by default", () => {
  const w = randn([3, 2]);
  const e = Embedding.fromPretrained(w);
  assertClose(e.weight, w);
  assert.equal(e.weight.requiresGrad, false);
  assert.equal(Embedding.fromPretrained(w, { freeze: false }).weight.requiresGrad, true);
});

backendTest("Embedding rejects float indices, bad paddingIdx and out-of-range indices", () => {
  const e = new Embedding(4, 2);
  assert.throws(() => e.forward(tensor([0, 1])), { message: "Embedding(4, 2): indices must be int32, got float32 [2]" });
  assert.throws(() => e.forward(tensor([0, 4], { dtype: "int32" })), /embedding: indices into weight \[4,2\] out of range/);
  assert.throws(() => new Embedding(4, 2, { paddingIdx: 4 }), /Embedding: paddingIdx must be an integer in \[-4, 3\], got 4/);
});
