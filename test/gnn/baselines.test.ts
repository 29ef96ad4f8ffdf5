import assert from "node:assert/strict";
import { test } from "node:test";
import { Graph, labelPropagation, splitEdges } from "../../src/gnn/index.js";

test("label propagation labels two cliques joined by one edge from one seed each", () => {
  // clique {0,1,2} – clique {3,4,5}, bridge 2–3; seeds: node 0 is class 0, node 5 is class 1
  const a = [0, 0, 1, 3, 3, 4, 2];
  const b = [1, 2, 2, 4, 5, 5, 3];
  const pred = labelPropagation(Graph.undirected(6, a, b), [0, -1, -1, -1, -1, 1], 2);
  assert.deepEqual(pred, [0, 0, 0, 1, 1, 1]);
});

test("splitEdges holds out edges without isolating nodes and samples true non-edges", () => {
  const n = 30;
  const a: number[] = [], b: number[] = [];
  for (let i = 0; i < n; i++) for (const d of [1, 2, 5]) { a.push(i); b.push((i + d) % n); }
  const s = splitEdges(n, a, b, a.map(() => 1), 0.2, 4);
  assert.equal(s.testPositive.a.length, Math.round(a.length * 0.2));
  assert.equal(s.testNegative.a.length, s.testPositive.a.length);
  assert.equal(s.train.a.length + s.testPositive.a.length, a.length);
  const edges = new Set(a.map((x, i) => [x, b[i]].sort((p, q) => p - q).join(",")));
  s.testNegative.a.forEach((x, i) => assert.ok(!edges.has([x, s.testNegative.b[i]].sort((p, q) => p - q).join(",")) && x !== s.testNegative.b[i]));
  const deg = new Array<number>(n).fill(0);
  s.train.a.forEach((x, i) => { deg[x]++; deg[s.train.b[i]]++; });
  assert.ok(deg.every((d) => d > 0), "a node lost all its training edges");
  assert.throws(() => splitEdges(n, a, b, a, 1.5), /testFraction must be in \(0, 1\), got 1.5/);
});
