import assert from "node:assert/strict";
import { test } from "node:test";
import { functionalCall, manualSeed, randn, tensor } from "../../src/index.js";
import { GATConv, GCNConv, Graph, propagate, segmentSoftmax } from "../../src/gnn/index.js";
import { gradcheck } from "../helpers/gradcheck.js";

// path 0 – 1 – 2 plus an isolated node 3
const path = (): Graph => Graph.undirected(4, [0, 1], [1, 2], [2, 1]);

test("propagate sums weighted neighbour rows into each destination", () => {
  const x = tensor([[1, 10], [2, 20], [3, 30], [4, 40]]);
  const out = propagate(x, path()).toArray();
  // node 0 ← 2·x1; node 1 ← 2·x0 + 1·x2; node 2 ← 1·x1; node 3 ← nothing
  assert.deepEqual(out, [[4, 40], [5, 50], [2, 20], [0, 0]]);
});

test("gcnNormalized weights are D^-½ (A + I) D^-½ worked by hand", () => {
  const g = Graph.undirected(3, [0], [1]).gcnNormalized();
  // degrees with self loops: 2, 2, 1 → edge 0–1 and self loops of 0, 1 weigh 1/2, node 2's loop 1
  const w = new Map<string, number>();
  for (let e = 0; e < g.numEdges; e++) w.set(`${g.src[e]}>${g.dst[e]}`, g.weights[e]);
  assert.deepEqual(Object.fromEntries(w), { "0>1": 0.5, "1>0": 0.5, "0>0": 0.5, "1>1": 0.5, "2>2": 1 });
});

test("segmentSoftmax normalises each node's incoming edges and survives large scores", () => {
  const g = path();
  const scores = tensor([[1000], [0], [1001], [5]]); // edges 0→1, 1→2, 1→0, 2→1
  const a = segmentSoftmax(scores, g).dataSync();
  // node 1 receives edges 0 and 3: softmax(1000, 5); node 2 receives edge 1 alone; node 0 edge 2 alone
  assert.ok(Math.abs(a[0] - 1) < 1e-6 && a[3] < 1e-6 && a[1] === 1 && a[2] === 1, Array.from(a).join(","));
});

test("gradcheck: propagate and segmentSoftmax", () => {
  const g = path();
  manualSeed(1);
  gradcheck((x) => propagate(x, g), [randn([4, 3])]);
  gradcheck((s) => segmentSoftmax(s, g), [randn([4, 2])]);
});

test("gradcheck: GCNConv and GATConv through inputs and weights", () => {
  const g = Graph.undirected(5, [0, 1, 2, 3], [1, 2, 3, 4]);
  manualSeed(2);
  const gcn = new GCNConv(3, 2);
  gradcheck((x, w) => functionalCall(gcn, { weight: w }, x, g), [randn([5, 3]), randn([3, 2])]);
  const gat = new GATConv(3, 2, { heads: 2 });
  gradcheck((x, w, a) => functionalCall(gat, { weight: w, attSrc: a }, x, g), [randn([5, 3]), randn([3, 4]), randn([2, 2])]);
  const out = gat.forward(randn([5, 3]), g);
  out.sum().backward();
  for (const [name, p] of gat.namedParameters()) assert.ok(p.grad && Array.from(p.grad.dataSync()).some((v) => v !== 0), `${name} got no gradient`);
  assert.deepEqual(out.shape, [5, 4]);
  assert.deepEqual(new GATConv(3, 2, { heads: 3, concat: false }).forward(randn([5, 3]), g).shape, [5, 2]);
});

test("bad graphs and inputs are refused with the problem named", () => {
  assert.throws(() => new Graph(3, [0, 5], [1, 2]), /edge 1 has src 5, outside \[0, 3\)/);
  assert.throws(() => new Graph(3, [0], [1, 2]), /src has 1 entries but dst has 2/);
  assert.throws(() => new GCNConv(4, 2).forward(randn([3, 3]), path()), /input \[3, 3\] must be \[nodes, 4\]/);
  assert.throws(() => propagate(randn([2, 3]), path()), /x has 2 rows, the graph has 4 nodes/);
});
