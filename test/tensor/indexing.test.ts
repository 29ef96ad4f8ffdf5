import assert from "node:assert/strict";
import { gather, indexSelect, oneHot, randn, scatterAdd, tensor, tril, triu, zeros, type Tensor } from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

const int = (data: number[] | number[][] | number[][][]): Tensor => tensor(data, { dtype: "int32" });

backendTest("gather picks along a dim and scatters its gradient back (repeats accumulate)", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(gather(x, 1, int([[2, 0], [1, 1]])).toArray(), [[3, 1], [5, 5]]);
  assert.deepEqual(x.gather(0, int([[1, 0, 1]])).toArray(), [[4, 2, 6]]);
  assert.deepEqual(x.gather(-1, int([[0], [2]])).toArray(), [[1], [6]]);
  // index smaller than the input outside dim
  assert.deepEqual(x.gather(1, int([[2]])).toArray(), [[3]]);
  assert.deepEqual(x.gather(1, zeros([2, 0], { dtype: "int32" })).shape, [2, 0]);
  assert.deepEqual(tensor([7, 8, 9]).gather(0, int([2, 2, 0, 1])).toArray(), [9, 9, 7, 8]);
  assert.equal(gather(x.int(), 1, int([[0], [0]])).dtype, "int32");
  assert.throws(() => x.gather(1, int([[3, 0], [0, 0]])), /gather: index 3 is out of range for dim 1 of size 3/);
  assert.throws(() => x.gather(1, int([[-1, 0], [0, 0]])), /gather: index -1 is out of range for dim 1 of size 3/);
  assert.throws(() => x.gather(1, tensor([[0], [0]])), /gather: index must be int32, got float32/);
  assert.throws(() => x.gather(1, int([0, 1])), /gather: index \[2\] must have as many dims as input \[2,3\]/);
  assert.throws(() => x.gather(1, int([[0], [0], [0]])), /gather: index \[3,1\] is larger than input \[2,3\] in dim 0/);
  assert.throws(() => x.gather(2, int([[0]])), /gather: dim 2 out of range/);
  const idx = int([[0, 0, 2, 1], [1, 1, 1, 0]]);
  gradcheck((a) => gather(a, 1, idx), [randn([2, 3])]);
  gradcheck((a) => gather(a, 0, int([[1, 0]])), [randn([2, 3])]);
});

backendTest("scatterAdd adds src at indexed positions out of place, with gradients for both", () => {
  const x = tensor([[1, 1, 1], [1, 1, 1]]);
  const out = scatterAdd(x, 1, int([[0, 0], [2, 1]]), tensor([[5, 6], [7, 8]]));
  assert.deepEqual(out.toArray(), [[12, 1, 1], [1, 9, 8]]);
  assert.deepEqual(x.toArray(), [[1, 1, 1], [1, 1, 1]], "the input is not modified");
  // index smaller than src and than the input outside dim
  assert.deepEqual(zeros([2, 3]).scatterAdd(0, int([[1, 0]]), tensor([[5, 6, 9], [7, 8, 9]])).toArray(), [[0, 6, 0], [5, 0, 0]]);
  assert.deepEqual(scatterAdd(zeros([3], { dtype: "int32" }), 0, int([2, 2]), int([1, 4])).toArray(), [0, 0, 5]);
  assert.throws(() => scatterAdd(x, 1, int([[3]]), tensor([[1]])), /scatterAdd: index 3 is out of range for dim 1 of size 3/);
  assert.throws(() => scatterAdd(x, 1, int([[0, 1]]), tensor([[1]])), /scatterAdd: index \[1,2\] is larger than src \[1,1\] or input \[2,3\] in dim 1/);
  assert.throws(() => scatterAdd(x, 1, int([[0]]), tensor([[1]], { dtype: "int32" })), /scatterAdd: src dtype int32 does not match input dtype float32/);
  assert.throws(() => scatterAdd(x, 1, int([0]), tensor([1])), /must have the same number of dims/);
  const idx = int([[0, 2, 2], [1, 1, 0]]);
  gradcheck((a, s) => scatterAdd(a, 1, idx, s), [randn([2, 3]), randn([2, 3])]);
  gradcheck((a, s) => scatterAdd(a, 0, int([[1, 0]]), s), [randn([2, 3]), randn([2, 4])]);
});

backendTest("indexSelect picks whole slices and accumulates repeated indices in backward", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(indexSelect(x, 1, int([2, 0, 2])).toArray(), [[3, 1, 3], [6, 4, 6]]);
  assert.deepEqual(x.indexSelect(0, int([1])).toArray(), [[4, 5, 6]]);
  assert.deepEqual(x.indexSelect(-2, tensor(1, { dtype: "int32" })).toArray(), [[4, 5, 6]]);
  assert.deepEqual(x.indexSelect(0, zeros([0], { dtype: "int32" })).shape, [0, 3]);
  assert.throws(() => x.indexSelect(0, int([2])), /indexSelect: index 2 is out of range for dim 0 of size 2/);
  assert.throws(() => x.indexSelect(0, int([[0]])), /indexSelect: index must be 1-D, got \[1,1\]/);
  gradcheck((a) => indexSelect(a, 0, int([1, 1, 0])), [randn([2, 3])]);
  gradcheck((a) => indexSelect(a, 1, int([2, 0, 2])), [randn([2, 3, 2])]);
});

backendTest("index with a tensor entry selects along that dim", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(x.index([null, int([2, 0])]).toArray(), [[3, 1], [6, 4]]);
  assert.deepEqual(x.index([1, int([2, 2])]).toArray(), [6, 6]);
  assert.deepEqual(x.index([[null, null, -1], int([0])]).toArray(), [[4], [1]]);
  assert.throws(() => x.index([null, int([3])]), /index: index 3 is out of range for dim 1 of size 3/);
  assert.throws(() => x.index([int([0]), int([0])]), /at most one tensor entry/);
  gradcheck((a) => a.index(["1:", int([0, 0, 2])]), [randn([3, 3])]);
});

backendTest("oneHot: int32 by default, inferred class count, float on request, validated", () => {
  assert.deepEqual(oneHot(int([0, 2, 1])).toArray(), [[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
  const h = oneHot(int([[1], [0]]), 4);
  assert.equal(h.dtype, "int32");
  assert.deepEqual(h.toArray(), [[[0, 1, 0, 0]], [[1, 0, 0, 0]]]);
  const f = oneHot(int([1, 1]), 2, "float32");
  assert.equal(f.dtype, "float32");
  assert.deepEqual(f.toArray(), [[0, 1], [0, 1]]);
  assert.deepEqual(oneHot(tensor(2, { dtype: "int32" }), 3).toArray(), [0, 0, 1]);
  assert.deepEqual(oneHot(zeros([0], { dtype: "int32" }), 3).shape, [0, 3]);
  assert.throws(() => oneHot(int([0, 3]), 3), /oneHot: class index 3 is out of range for 3 classes/);
  assert.throws(() => oneHot(int([-1])), /oneHot: class index -1 is out of range/);
  assert.throws(() => oneHot(tensor([0, 1])), /oneHot: indices must be int32, got float32/);
  assert.throws(() => oneHot(zeros([0], { dtype: "int32" })), /oneHot: cannot infer the number of classes/);
});

backendTest("tril/triu keep a triangle (with a diagonal offset) over the last two dims", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  assert.deepEqual(tril(x).toArray(), [[1, 0, 0], [4, 5, 0], [7, 8, 9]]);
  assert.deepEqual(triu(x).toArray(), [[1, 2, 3], [0, 5, 6], [0, 0, 9]]);
  assert.deepEqual(x.triu(1).toArray(), [[0, 2, 3], [0, 0, 6], [0, 0, 0]]);
  assert.deepEqual(x.tril(-1).toArray(), [[0, 0, 0], [4, 0, 0], [7, 8, 0]]);
  assert.deepEqual(tril(tensor([[1, 2, 3], [4, 5, 6]]), 1).toArray(), [[1, 2, 0], [4, 5, 6]]);
  const b = tril(tensor([[[1, 1], [1, 1]], [[2, 2], [2, 2]]]));
  assert.deepEqual(b.toArray(), [[[1, 0], [1, 1]], [[2, 0], [2, 2]]]);
  const i = triu(x.int());
  assert.equal(i.dtype, "int32");
  assert.deepEqual(i.toArray(), [[1, 2, 3], [0, 5, 6], [0, 0, 9]]);
  const m = tril(tensor([[true, true], [true, true]]));
  assert.equal(m.dtype, "bool");
  assert.deepEqual(m.toArray(), [[true, false], [true, true]]);
  assert.deepEqual(triu(zeros([0, 3])).shape, [0, 3]);
  assert.throws(() => tril(tensor([1, 2])), /tril: expects a tensor with at least 2 dims, got \[2\]/);
  gradcheck((a) => tril(a), [randn([3, 4])]);
  gradcheck((a) => triu(a, 1), [randn([2, 3, 3])]);
  assertClose(tril(x).add(triu(x, 1)), x);
});
