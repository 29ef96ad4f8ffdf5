// Splitting an undirected edge list for link prediction, and sampling node pairs that are not edges.
import { Rng } from "../rl/rng.js";

/** Undirected node pairs as parallel arrays. */
export interface EdgePairs {
  a: number[];
  b: number[];
}

/** A link-prediction split: training edges, and held-out positive pairs with as many negative pairs. */
export interface LinkSplit {
  train: EdgePairs & { weights: number[] };
  testPositive: EdgePairs;
  testNegative: EdgePairs;
}

const key = (a: number, b: number): string => (a < b ? `${a},${b}` : `${b},${a}`);

/**
 * Holds out a `testFraction` of the edges (each node keeps at least one training edge, so none is
 * left without features to propagate) and samples as many non-edges for the test set.
 */
export function splitEdges(numNodes: number, a: ArrayLike<number>, b: ArrayLike<number>, weights: ArrayLike<number>, testFraction: number, seed = 0): LinkSplit {
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`splitEdges: testFraction must be in (0, 1), got ${testFraction}`);
  const rng = new Rng(seed);
  const order = Array.from({ length: a.length }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const degree = new Array<number>(numNodes).fill(0);
  for (let i = 0; i < a.length; i++) {
    degree[a[i]]++;
    degree[b[i]]++;
  }
  const want = Math.round(a.length * testFraction);
  const split: LinkSplit = { train: { a: [], b: [], weights: [] }, testPositive: { a: [], b: [] }, testNegative: { a: [], b: [] } };
  for (const i of order) {
    if (split.testPositive.a.length < want && degree[a[i]] > 1 && degree[b[i]] > 1) {
      degree[a[i]]--;
      degree[b[i]]--;
      split.testPositive.a.push(a[i]);
      split.testPositive.b.push(b[i]);
    } else {
      split.train.a.push(a[i]);
      split.train.b.push(b[i]);
      split.train.weights.push(weights[i]);
    }
  }
  const negatives = sampleNonEdges(numNodes, a, b, split.testPositive.a.length, rng);
  split.testNegative = negatives;
  return split;
}

/** `count` distinct node pairs (i ≠ j) that are not edges of the given graph. */
export function sampleNonEdges(numNodes: number, a: ArrayLike<number>, b: ArrayLike<number>, count: number, rng: Rng, exclude: ReadonlySet<string> = new Set()): EdgePairs {
  const edges = new Set<string>();
  for (let i = 0; i < a.length; i++) edges.add(key(a[i], b[i]));
  const maxPairs = (numNodes * (numNodes - 1)) / 2 - edges.size - exclude.size;
  if (count > maxPairs) throw new RangeError(`sampleNonEdges: asked for ${count} non-edges, only ${maxPairs} exist`);
  const out: EdgePairs = { a: [], b: [] };
  const taken = new Set<string>();
  while (out.a.length < count) {
    const i = rng.int(numNodes);
    const j = rng.int(numNodes);
    const k = key(i, j);
    if (i === j || edges.has(k) || taken.has(k) || exclude.has(k)) continue;
    taken.add(k);
    out.a.push(i);
    out.b.push(j);
  }
  return out;
}
