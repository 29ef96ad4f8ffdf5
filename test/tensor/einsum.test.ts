import assert from "node:assert/strict";
import { einsum, matmul, randn, sum, tensor, transpose, zeros } from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

const A = (): ReturnType<typeof tensor> => tensor([[1, 2], [3, 4]]);
const B = (): ReturnType<typeof tensor> => tensor([[5, 6], [7, 8]]);

backendTest("einsum: hand-worked two-operand forms", () => {
  assert.deepEqual(einsum("ij,jk->ik", A(), B()).toArray(), [[19, 22], [43, 50]]);
  assert.deepEqual(einsum("ij,jk", A(), B()).toArray(), [[19, 22], [43, 50]], "implicit output");
  assert.deepEqual(einsum("ij,kj->ik", A(), B()).toArray(), [[17, 23], [39, 53]]);
  assert.deepEqual(einsum("i,i->", tensor([1, 2, 3]), tensor([4, 5, 6])).toArray(), 32);
  assert.deepEqual(einsum("i,j->ij", tensor([1, 2]), tensor([3, 4, 5])).toArray(), [[3, 4, 5], [6, 8, 10]]);
  assert.deepEqual(einsum("ij,ij->ij", A(), B()).toArray(), [[5, 12], [21, 32]]);
  assert.deepEqual(einsum("ij,ij->", A(), B()).toArray(), 70);
  assert.deepEqual(einsum("ij,j->i", A(), tensor([1, -1])).toArray(), [-1, -1]);
  assert.deepEqual(einsum(" i j , j k -> k i ", A(), B()).toArray(), [[19, 43], [22, 50]], "spaces are ignored, output order honoured");
  // a letter only in one operand and not in the output is summed first
  assert.deepEqual(einsum("ij,k->k", A(), tensor([1, 2])).toArray(), [10, 20]);
});

backendTest("einsum: single-operand transpose, sums, diagonal and trace", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(einsum("ij->ji", x).toArray(), [[1, 4], [2, 5], [3, 6]]);
  assert.deepEqual(einsum("ij->i", x).toArray(), [6, 15]);
  assert.deepEqual(einsum("ij->j", x).toArray(), [5, 7, 9]);
  assert.deepEqual(einsum("ij->", x).toArray(), 21);
  assert.deepEqual(einsum("ij", x).toArray(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(einsum("ji", x).toArray(), [[1, 4], [2, 5], [3, 6]], "implicit output is alphabetical");
  assert.deepEqual(einsum("ii->i", A()).toArray(), [1, 4]);
  assert.deepEqual(einsum("ii->", A()).toArray(), 5);
  assert.deepEqual(einsum("ii", A()).toArray(), 5);
  assert.deepEqual(einsum("iji->ij", tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])).toArray(), [[1, 3], [6, 8]]);
  assert.deepEqual(einsum("->", tensor(3)).toArray(), 3);
  assert.deepEqual(einsum(",->", tensor(3), tensor(4)).toArray(), 12);
});

backendTest("einsum: batched forms agree with matmul", () => {
  const q = randn([2, 3, 4, 5]);
  const k = randn([2, 3, 6, 5]);
  assertClose(einsum("bhqd,bhkd->bhqk", q, k), matmul(q, transpose(k, -1, -2)), 1e-5, 1e-5);
  const a = randn([3, 2, 4]);
  const b = randn([3, 4, 5]);
  assertClose(einsum("bij,bjk->bik", a, b), matmul(a, b), 1e-5, 1e-5);
  assertClose(einsum("bij,bjk->bki", a, b), transpose(matmul(a, b), 1, 2), 1e-5, 1e-5);
  // size-0 contracted dim gives zeros
  assert.deepEqual(einsum("ij,jk->ik", zeros([2, 0]), zeros([0, 3])).toArray(), [[0, 0, 0], [0, 0, 0]]);
  assert.deepEqual(einsum("ij,jk->ik", zeros([0, 2]), zeros([2, 3])).shape, [0, 3]);
});

backendTest("einsum: three operands evaluated pairwise", () => {
  const a = tensor([[1, 2], [3, 4]]);
  const b = tensor([[1, 0], [0, 2]]);
  const c = tensor([[0, 1], [1, 0]]);
  assert.deepEqual(einsum("ij,jk,kl->il", a, b, c).toArray(), [[4, 1], [8, 3]]);
  assert.deepEqual(einsum("i,i,i->", tensor([1, 2]), tensor([3, 4]), tensor([5, 6])).toArray(), 63);
  const x = randn([2, 3]);
  const y = randn([3, 4]);
  const z = randn([4]);
  assertClose(einsum("ij,jk,k->i", x, y, z), matmul(matmul(x, y), z), 1e-5, 1e-5);
  assertClose(einsum("ij,jk,k", x, y, z), matmul(matmul(x, y), z), 1e-5, 1e-5);
  assertClose(einsum("ij,ij,ij->", x, x, x), sum(x.mul(x).mul(x)), 1e-5, 1e-5);
});

backendTest("einsum: gradients by finite differences", () => {
  gradcheck((a, b) => einsum("ij,jk->ik", a, b), [randn([2, 3]), randn([3, 4])]);
  gradcheck((a, b) => einsum("bhqd,bhkd->bhqk", a, b), [randn([1, 2, 3, 2]), randn([1, 2, 2, 2])]);
  gradcheck((a, b) => einsum("i,j->ij", a, b), [randn([3]), randn([2])]);
  gradcheck((a, b) => einsum("ij,ij->ij", a, b), [randn([2, 3]), randn([2, 3])]);
  gradcheck((a) => einsum("ii->i", a), [randn([3, 3])]);
  gradcheck((a) => einsum("ij->j", a), [randn([3, 2])]);
  gradcheck((a, b, c) => einsum("ij,jk,kl->il", a, b, c), [randn([2, 3]), randn([3, 2]), randn([2, 2])]);
});

backendTest("einsum: bad equations throw naming the problem", () => {
  assert.throws(() => einsum("ij,jk->ik", A()), /einsum: 2 operand subscripts but 1 tensors given/);
  assert.throws(() => einsum("ijk,jk->ik", A(), B()), /einsum: operand 0 \[2,2\] has 2 dims but subscripts "ijk" name 3/);
  assert.throws(() => einsum("ij,jk->ik", A(), zeros([3, 2])), /einsum: index "j" has size 2 in one place but 3 in operand 1 \[3,2\]/);
  assert.throws(() => einsum("ij->iz", A()), /einsum: output index "z" does not appear in any operand/);
  assert.throws(() => einsum("ij->ii", A()), /einsum: output subscripts "ii" repeat a letter/);
  assert.throws(() => einsum("...ij->ij", A()), /einsum: ellipsis \(\.\.\.\) is not supported/);
  assert.throws(() => einsum("i1->i", A()), /einsum: invalid subscripts "i1"/);
  assert.throws(() => einsum("ii->i", zeros([2, 3])), /einsum: index "i" has size 2 in one place but 3/);
});
