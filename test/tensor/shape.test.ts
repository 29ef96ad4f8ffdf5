import assert from "node:assert/strict";
import {
  arange, broadcastTo, cat, chunk, expand, flatten, flip, narrow, pad, permute, randn, repeat, reshape, select, slice, split,
  squeeze, stack, t, tensor, transpose, unbind, unflatten, unsqueeze, view, zeros, type Tensor,
} from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

/** 0..n-1 as float32 in `shape`. */
const iota = (...shape: number[]): Tensor => arange(0, shape.reduce((a, b) => a * b, 1), 1, { dtype: "float32" }).reshape(shape);

backendTest("reshape/view share storage, infer one -1, and name both shapes on mismatch", () => {
  const x = iota(2, 3, 4);
  const y = reshape(x, [4, -1]);
  assert.deepEqual(y.shape, [4, 6]);
  assert.equal(y.storage, x.storage);
  assert.deepEqual(x.reshape(6, 4).shape, [6, 4]);
  assert.deepEqual(x.view([-1]).shape, [24]);
  assert.deepEqual(view(x, [2, 12]).select(0, 1).toArray(), [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
  assert.deepEqual(tensor(5).reshape([1, 1]).toArray(), [[5]]);
  assert.deepEqual(tensor([7]).reshape([]).shape, []);
  assert.deepEqual(zeros([0, 3]).reshape(3, 0).shape, [3, 0]);
  assert.throws(() => reshape(x, [5, 5]), /reshape: cannot reshape \[2,3,4\] \(24 elements\) into \[5,5\] \(25 elements\)/);
  assert.throws(() => x.reshape(5, -1), /reshape: shape \[5,-1\] is invalid for input \[2,3,4\] of 24 elements/);
  assert.throws(() => x.view(-1, -1), /view: only one dim can be -1/);
  assert.throws(() => zeros([0, 3]).reshape(-1, 0), /invalid for input \[0,3\]/);
  gradcheck((a) => reshape(a, [3, 2]).mul(a.reshape(3, 2)), [randn([2, 3])]);
});

backendTest("squeeze, unsqueeze, flatten and unflatten are views with the right shapes", () => {
  const x = zeros([1, 3, 1, 2]);
  assert.deepEqual(squeeze(x).shape, [3, 2]);
  assert.deepEqual(x.squeeze(0).shape, [3, 1, 2]);
  assert.deepEqual(x.squeeze(-2).shape, [1, 3, 2]);
  assert.deepEqual(x.squeeze(1).shape, [1, 3, 1, 2], "a dim that is not size 1 stays");
  assert.deepEqual(x.squeeze([0, 2]).shape, [3, 2]);
  assert.deepEqual(tensor(3).squeeze().shape, []);
  assert.deepEqual(tensor(3).unsqueeze(0).shape, [1]);
  assert.deepEqual(unsqueeze(zeros([2, 3]), -1).shape, [2, 3, 1]);
  assert.deepEqual(zeros([2, 3]).unsqueeze(1).shape, [2, 1, 3]);
  assert.deepEqual(zeros([2, 3]).unsqueeze(2).shape, [2, 3, 1]);
  assert.throws(() => zeros([2, 3]).unsqueeze(3), /unsqueeze: dim 3 out of range/);
  assert.deepEqual(flatten(zeros([2, 3, 4])).shape, [24]);
  assert.deepEqual(zeros([2, 3, 4, 5]).flatten(1, 2).shape, [2, 12, 5]);
  assert.deepEqual(zeros([2, 3, 4]).flatten(-2).shape, [2, 12]);
  assert.deepEqual(tensor(1).flatten().shape, [1]);
  assert.throws(() => zeros([2, 3, 4]).flatten(2, 1), /flatten: startDim 2 comes after endDim 1/);
  assert.deepEqual(unflatten(zeros([2, 12]), 1, [3, -1]).shape, [2, 3, 4]);
  assert.throws(() => unflatten(zeros([2, 12]), 1, [5, -1]), /unflatten/);
  const y = iota(2, 3);
  assert.equal(y.unsqueeze(0).storage, y.storage);
  gradcheck((a) => squeeze(a.unsqueeze(1)).flatten(), [randn([2, 3])]);
});

backendTest("permute, transpose and t move elements and gradients", () => {
  const x = iota(2, 3, 4);
  const p = permute(x, [2, 0, 1]);
  assert.deepEqual(p.shape, [4, 2, 3]);
  assert.deepEqual(p.toArray(), [
    [[0, 4, 8], [12, 16, 20]],
    [[1, 5, 9], [13, 17, 21]],
    [[2, 6, 10], [14, 18, 22]],
    [[3, 7, 11], [15, 19, 23]],
  ]);
  assert.deepEqual(x.permute(0, -1, 1).shape, [2, 4, 3]);
  assert.deepEqual(transpose(iota(2, 3), 0, 1).toArray(), [[0, 3], [1, 4], [2, 5]]);
  assert.deepEqual(iota(2, 3).t().toArray(), [[0, 3], [1, 4], [2, 5]]);
  assert.deepEqual(t(tensor([1, 2])).toArray(), [1, 2]);
  assert.deepEqual(t(tensor(4)).toArray(), 4);
  assert.deepEqual(x.transpose(-1, -3).shape, [4, 3, 2]);
  assert.deepEqual(zeros([0, 3]).t().shape, [3, 0]);
  // moving only a size-1 dim keeps element order: a view
  const u = zeros([3, 1]);
  assert.equal(u.t().storage, u.storage);
  assert.throws(() => permute(x, [0, 0, 1]), /permute: dims \[0,0,1\] are not a permutation of the 3 dims of \[2,3,4\]/);
  assert.throws(() => permute(x, [0, 1]), /permute: dims \[0,1\]/);
  assert.throws(() => x.t(), /t: expects a tensor with at most 2 dims, got \[2,3,4\]/);
  assert.throws(() => x.transpose(0, 3), /transpose: dim 3 out of range/);
  gradcheck((a) => permute(a, [1, 2, 0]), [randn([2, 3, 2])]);
  gradcheck((a) => transpose(a, 0, 1), [randn([3, 2])]);
});

backendTest("expand/broadcastTo copy along broadcast dims; gradient sums back", () => {
  const x = tensor([[1], [2]]);
  assert.deepEqual(expand(x, [2, 3]).toArray(), [[1, 1, 1], [2, 2, 2]]);
  assert.deepEqual(x.expand(2, 2, -1).toArray(), [[[1], [2]], [[1], [2]]]);
  assert.deepEqual(broadcastTo(tensor([1, 2]), [2, 2]).toArray(), [[1, 2], [1, 2]]);
  assert.deepEqual(tensor(3).expand([2]).toArray(), [3, 3]);
  assert.deepEqual(tensor([5]).expand([0]).shape, [0]);
  assert.deepEqual(x.expandAs(zeros([2, 4])).shape, [2, 4]);
  assert.throws(() => x.expand(3, 3), /expand: cannot expand \[2,1\] to \[3,3\]: dim 0 has size 2, expected 1 or 3/);
  assert.throws(() => x.expand(3), /expand: cannot expand \[2,1\] to \[3\]: fewer dims/);
  assert.throws(() => x.expand(-1, 2, 1), /new leading dim 0/);
  gradcheck((a) => expand(a, [4, 2, 3]), [randn([2, 1])]);
  gradcheck((a) => broadcastTo(a, [2, 3]), [randn([3])]);
});

backendTest("narrow, slice (negative bounds and steps), flip, select and unbind", () => {
  const x = iota(3, 4);
  assert.deepEqual(narrow(x, 1, 1, 2).toArray(), [[1, 2], [5, 6], [9, 10]]);
  assert.deepEqual(x.narrow(0, -1, 1).toArray(), [[8, 9, 10, 11]]);
  assert.deepEqual(x.narrow(0, 3, 0).shape, [0, 4]);
  assert.throws(() => x.narrow(1, 3, 2), /narrow: start 3 and length 2 are out of range for dim 1 of size 4 in \[3,4\]/);
  assert.deepEqual(slice(x, 1, 1).toArray(), [[1, 2, 3], [5, 6, 7], [9, 10, 11]]);
  assert.deepEqual(x.slice(1, -3, -1).toArray(), [[1, 2], [5, 6], [9, 10]]);
  assert.deepEqual(x.slice(1, null, null, 2).toArray(), [[0, 2], [4, 6], [8, 10]]);
  assert.deepEqual(x.slice(0, null, null, -1).toArray(), [[8, 9, 10, 11], [4, 5, 6, 7], [0, 1, 2, 3]]);
  assert.deepEqual(x.slice(1, 2, 0, -1).toArray(), [[2, 1], [6, 5], [10, 9]]);
  assert.deepEqual(x.slice(1, 10, 20).shape, [3, 0], "out-of-range bounds clamp to an empty slice");
  assert.deepEqual(x.slice(1, -100, 2).toArray(), [[0, 1], [4, 5], [8, 9]]);
  assert.throws(() => x.slice(1, 0, 2, 0), /slice: slice step cannot be zero/);
  assert.deepEqual(flip(x, [0, 1]).toArray(), [[11, 10, 9, 8], [7, 6, 5, 4], [3, 2, 1, 0]]);
  assert.deepEqual(x.flip(-1).select(0, 0).toArray(), [3, 2, 1, 0]);
  assert.deepEqual(select(x, 1, -1).toArray(), [3, 7, 11]);
  assert.deepEqual(x.select(0, 1).toArray(), [4, 5, 6, 7]);
  assert.throws(() => x.select(0, 3), /select: index 3 is out of range for dim 0 of size 3/);
  assert.deepEqual(unbind(x, 1).map((p) => p.toArray()), [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
  gradcheck((a) => narrow(a, 1, 1, 2), [randn([3, 4])]);
  gradcheck((a) => slice(a, 0, -1, null, -2), [randn([5, 2])]);
  gradcheck((a) => flip(a, [0, 1]), [randn([2, 3])]);
  gradcheck((a) => stack(unbind(a, 1), 0), [randn([2, 3])]);
});

backendTest("index: integers, ranges, strings, ellipsis and newaxis in one copy", () => {
  const x = iota(2, 3, 4);
  const y = x.index([0, [1, 3], null]);
  assert.deepEqual(y.shape, [2, 4]);
  assert.deepEqual(y.toArray(), [[4, 5, 6, 7], [8, 9, 10, 11]]);
  assert.deepEqual(x.index([-1, -1, -1]).toArray(), 23);
  assert.deepEqual(x.index([1]).toArray(), [[12, 13, 14, 15], [16, 17, 18, 19], [20, 21, 22, 23]]);
  assert.deepEqual(x.index(["...", 0]).toArray(), [[0, 4, 8], [12, 16, 20]]);
  assert.deepEqual(x.index([0, "...", "::-2"]).toArray(), [[3, 1], [7, 5], [11, 9]]);
  assert.deepEqual(x.index(["1", "1:", "-2:"]).toArray(), [[18, 19], [22, 23]]);
  assert.deepEqual(x.index([0, [null, null, 2], [1, null, 2]]).toArray(), [[1, 3], [9, 11]]);
  assert.deepEqual(x.index([0, 0, "newaxis"]).shape, [1, 4]);
  assert.deepEqual(x.index(["newaxis", "...", "newaxis"]).shape, [1, 2, 3, 4, 1]);
  assert.deepEqual(x.index([0, [3, 1]]).shape, [0, 4]);
  assert.deepEqual(tensor(5).index([]).toArray(), 5);
  assert.deepEqual(tensor(5).index(["..."]).toArray(), 5);
  // the whole tensor in order is a view
  assert.equal(x.index([null, ":"]).storage, x.storage);
  assert.throws(() => x.index([0, 3]), /index: index 3 is out of range for dim 1 of size 3 in \[2,3,4\]/);
  assert.throws(() => x.index([0, 0, 0, 0]), /index: too many indices \(4\) for a tensor of shape \[2,3,4\]/);
  assert.throws(() => x.index(["...", "..."]), /at most one "\.\.\."/);
  assert.throws(() => x.index(["1:x"]), /index: cannot parse "1:x"/);
  assert.throws(() => x.index([[0, 1, 0]]), /slice step cannot be zero/);
  assert.throws(() => x.index([0.5]), /index: index 0.5 is out of range/);
  gradcheck((a) => a.index([1, [null, null, -1], "1:3"]), [randn([2, 3, 4])]);
});

backendTest("cat joins along a dim, promotes dtypes, and names the mismatching shapes", () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  const b = tensor([[7, 8, 9]]);
  assert.deepEqual(cat([a, b]).toArray(), [[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  assert.deepEqual(cat([a, tensor([[0], [0]])], -1).toArray(), [[1, 2, 3, 0], [4, 5, 6, 0]]);
  assert.deepEqual(cat([a, zeros([0, 3])], 0).shape, [2, 3]);
  assert.deepEqual(cat([a, zeros([0])], 1).shape, [2, 3], "1-D empty tensors are skipped");
  assert.deepEqual(cat([zeros([0]), zeros([0])]).shape, [0]);
  const mixed = cat([tensor([1, 2], { dtype: "int32" }), tensor([0.5])]);
  assert.equal(mixed.dtype, "float32");
  assertClose(mixed, [1, 2, 0.5]);
  assert.equal(cat([tensor([1], { dtype: "int32" }), tensor([2], { dtype: "int32" })]).dtype, "int32");
  assert.throws(() => cat([zeros([2, 3]), zeros([3, 3])], 1), /cat: tensors must have the same shape except in dim 1: \[2,3\] vs \[3,3\]/);
  assert.throws(() => cat([zeros([2, 3]), zeros([3])]), /cat: tensors must have the same number of dims: \[2,3\] vs \[3\]/);
  assert.throws(() => cat([]), /cat: expects a non-empty list/);
  assert.throws(() => cat([tensor(1), tensor(2)]), /cat: zero-dimensional/);
  assert.throws(() => cat([a, a], 2), /cat: dim 2 out of range/);
  gradcheck((p, q) => cat([p, q, p], 1), [randn([2, 2]), randn([2, 3])]);
});

backendTest("stack adds a dim; split and chunk undo cat", () => {
  const a = tensor([1, 2]);
  const b = tensor([3, 4]);
  assert.deepEqual(stack([a, b]).toArray(), [[1, 2], [3, 4]]);
  assert.deepEqual(stack([a, b], 1).toArray(), [[1, 3], [2, 4]]);
  assert.deepEqual(stack([a, b], -1).toArray(), [[1, 3], [2, 4]]);
  assert.deepEqual(stack([tensor(1), tensor(2)]).toArray(), [1, 2]);
  assert.throws(() => stack([a, tensor([1, 2, 3])]), /stack: tensors must all have the same shape: \[2\] at entry 0 vs \[3\] at entry 1/);
  assert.throws(() => stack([a, b], 2), /stack: dim 2 out of range/);
  const x = iota(5, 2);
  const parts = split(x, 2);
  assert.deepEqual(parts.map((p) => p.shape), [[2, 2], [2, 2], [1, 2]]);
  assert.deepEqual(parts[2].toArray(), [[8, 9]]);
  assert.deepEqual(x.split([1, 4]).map((p) => p.shape[0]), [1, 4]);
  assert.deepEqual(x.split(1, 1).map((p) => p.toArray()), [[[0], [2], [4], [6], [8]], [[1], [3], [5], [7], [9]]]);
  assert.throws(() => x.split([1, 2]), /split: sizes \[1,2\] add up to 3 but dim 0 of \[5,2\] has size 5/);
  assert.throws(() => x.split(0), /split: split size must be a positive integer, got 0/);
  assert.deepEqual(chunk(x, 3).map((p) => p.shape[0]), [2, 2, 1]);
  assert.deepEqual(x.chunk(2, 1).map((p) => p.toArray()), [[[0], [2], [4], [6], [8]], [[1], [3], [5], [7], [9]]]);
  assert.deepEqual(chunk(iota(6), 4).map((p) => p.shape[0]), [2, 2, 2], "chunk may return fewer pieces");
  assert.deepEqual(chunk(zeros([0]), 3).map((p) => p.shape), [[0], [0], [0]]);
  assert.throws(() => x.chunk(0), /chunk: chunks must be a positive integer/);
  assertClose(cat(chunk(x, 3)), x);
  gradcheck((p) => stack([p, p.mul(2)], 1), [randn([2, 3])]);
  gradcheck((p) => {
    const [u, v] = split(p, [1, 2], 1);
    return u.mul(v.sum(1, true));
  }, [randn([2, 3])]);
});

backendTest("pad: constant (and cropping), reflect, replicate and circular", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(pad(x, [1, 2]).toArray(), [[0, 1, 2, 3, 0, 0], [0, 4, 5, 6, 0, 0]]);
  assert.deepEqual(pad(x, [0, 0, 1, 0], "constant", -1).toArray(), [[-1, -1, -1], [1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(pad(x, [-1, 1]).toArray(), [[2, 3, 0], [5, 6, 0]]);
  assert.deepEqual(pad(x, [-1, -1, -1, 0]).toArray(), [[5]]);
  assert.deepEqual(pad(zeros([0, 2]), [1, 1]).shape, [0, 4]);
  assert.deepEqual(pad(tensor([1, 2]), []).toArray(), [1, 2]);
  assert.deepEqual(pad(x, [2, 1], "reflect").toArray(), [[3, 2, 1, 2, 3, 2], [6, 5, 4, 5, 6, 5]]);
  assert.deepEqual(pad(x, [1, 0, 1, 1], "reflect").toArray(), [[5, 4, 5, 6], [2, 1, 2, 3], [5, 4, 5, 6], [2, 1, 2, 3]]);
  assert.deepEqual(pad(x, [2, 1, 0, 1], "replicate").toArray(), [[1, 1, 1, 2, 3, 3], [4, 4, 4, 5, 6, 6], [4, 4, 4, 5, 6, 6]]);
  assert.deepEqual(pad(x, [1, 2], "circular").toArray(), [[3, 1, 2, 3, 1, 2], [6, 4, 5, 6, 4, 5]]);
  assert.throws(() => pad(x, [1]), /pad: padding \[1\] must have an even length/);
  assert.throws(() => pad(x, [1, 1, 1, 1, 1, 1]), /pad: padding \[1,1,1,1,1,1\] must have an even length of at most 2·ndim for input \[2,3\]/);
  assert.throws(() => pad(x, [3, 0], "reflect"), /pad: reflect padding \(3, 0\) must be smaller than dim 1 of size 3/);
  assert.throws(() => pad(x, [-1, 0], "replicate"), /only supported in constant mode/);
  assert.throws(() => pad(x, [-2, -2]), /pad: padding \[-2,-2\] makes dim 1 of \[2,3\] negative/);
  gradcheck((a) => pad(a, [1, 2, 0, 1], "constant", 3), [randn([2, 3])]);
  gradcheck((a) => pad(a, [-1, 1]), [randn([2, 3])]);
  gradcheck((a) => pad(a, [2, 1, 1, 1], "reflect"), [randn([3, 3])]);
  gradcheck((a) => pad(a, [2, 1, 1, 0], "replicate"), [randn([2, 3])]);
  gradcheck((a) => pad(a, [1, 2], "circular"), [randn([2, 3])]);
});

backendTest("repeat tiles like torch.Tensor.repeat and its gradient sums the tiles", () => {
  const x = tensor([[1, 2], [3, 4]]);
  assert.deepEqual(repeat(x, [1, 2]).toArray(), [[1, 2, 1, 2], [3, 4, 3, 4]]);
  assert.deepEqual(x.repeat(2, 1).toArray(), [[1, 2], [3, 4], [1, 2], [3, 4]]);
  assert.deepEqual(tensor([1, 2]).repeat(2, 2).toArray(), [[1, 2, 1, 2], [1, 2, 1, 2]]);
  assert.deepEqual(tensor(7).repeat(3).toArray(), [7, 7, 7]);
  assert.deepEqual(x.repeat(0, 1).shape, [0, 2]);
  assert.deepEqual(x.repeat([2, 1, 1]).shape, [2, 2, 2]);
  assert.throws(() => x.repeat(2), /repeat: 1 repeat sizes given for a tensor of shape \[2,2\]; need at least 2/);
  gradcheck((a) => repeat(a, [2, 1, 3]), [randn([2, 2])]);
  gradcheck((a) => repeat(a, [0, 2]), [randn([3])]);
});

backendTest("int and bool tensors go through the same copies", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: "int32" });
  const y = permute(x, [1, 0]);
  assert.equal(y.dtype, "int32");
  assert.deepEqual(y.toArray(), [[1, 4], [2, 5], [3, 6]]);
  const b = tensor([[true, false], [false, false]]);
  assert.deepEqual(b.t().toArray(), [[true, false], [false, false]]);
  assert.deepEqual(pad(b, [1, 0]).toArray(), [[false, true, false], [false, false, false]]);
});
