// A graph as an edge list (COO), with the host-side bookkeeping message passing needs: self loops,
// symmetric normalisation, and int32 index tensors cached per feature width.
import { keep, tensor, type Tensor } from "../tensor/index.js";

/** Options of Graph. */
export interface GraphOptions {
  /** Per-edge weights (default 1). */
  weights?: ArrayLike<number>;
}

/**
 * A directed edge list over `numNodes` nodes: messages flow src[e] → dst[e]. An undirected graph holds
 * each edge both ways (see `Graph.undirected`). Index tensors are created lazily and kept alive with
 * the graph (free them with `dispose`).
 */
export class Graph {
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly weights: Float32Array;
  private readonly cache = new Map<string, Tensor>();

  constructor(readonly numNodes: number, src: ArrayLike<number>, dst: ArrayLike<number>, opts: GraphOptions = {}) {
    if (!Number.isInteger(numNodes) || numNodes < 1) throw new RangeError(`Graph: numNodes must be a positive integer, got ${numNodes}`);
    if (src.length !== dst.length) throw new RangeError(`Graph: src has ${src.length} entries but dst has ${dst.length}`);
    this.src = Int32Array.from(src);
    this.dst = Int32Array.from(dst);
    for (let e = 0; e < this.src.length; e++) {
      for (const [name, v] of [["src", this.src[e]], ["dst", this.dst[e]]] as const) {
        if (v < 0 || v >= numNodes || v !== (name === "src" ? src[e] : dst[e])) throw new RangeError(`Graph: edge ${e} has ${name} ${name === "src" ? src[e] : dst[e]}, outside [0, ${numNodes})`);
      }
    }
    this.weights = opts.weights ? Float32Array.from(opts.weights) : new Float32Array(this.src.length).fill(1);
    if (this.weights.length !== this.src.length) throw new RangeError(`Graph: ${this.weights.length} weights for ${this.src.length} edges`);
  }

  /** An undirected graph: each pair (a[i], b[i]) becomes the two edges a→b and b→a. */
  static undirected(numNodes: number, a: ArrayLike<number>, b: ArrayLike<number>, weights?: ArrayLike<number>): Graph {
    const n = a.length;
    const src = new Int32Array(2 * n);
    const dst = new Int32Array(2 * n);
    const w = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      [src[i], dst[i], src[n + i], dst[n + i]] = [a[i], b[i], b[i], a[i]];
      w[i] = w[n + i] = weights ? weights[i] : 1;
    }
    return new Graph(numNodes, src, dst, { weights: w });
  }

  /** Number of (directed) edges. */
  get numEdges(): number {
    return this.src.length;
  }

  /** The same graph with a self loop of weight `fill` on every node (existing self loops dropped). */
  withSelfLoops(fill = 1): Graph {
    const keepIdx = Array.from({ length: this.numEdges }, (_, e) => e).filter((e) => this.src[e] !== this.dst[e]);
    const loops = Array.from({ length: this.numNodes }, (_, i) => i);
    return new Graph(
      this.numNodes,
      [...keepIdx.map((e) => this.src[e]), ...loops],
      [...keepIdx.map((e) => this.dst[e]), ...loops],
      { weights: [...keepIdx.map((e) => this.weights[e]), ...loops.map(() => fill)] },
    );
  }

  /** Weighted in-degree of every node. */
  inDegree(): Float64Array {
    const deg = new Float64Array(this.numNodes);
    for (let e = 0; e < this.numEdges; e++) deg[this.dst[e]] += this.weights[e];
    return deg;
  }

  /**
   * Kipf & Welling's propagation graph: self loops added, each edge weighted w / √(d_src · d_dst), i.e.
   * D^-½ (A + I) D^-½. Cached.
   */
  gcnNormalized(): Graph {
    const hit = this.normCache;
    if (hit) return hit;
    const g = this.withSelfLoops();
    const deg = g.inDegree();
    const w = Array.from(g.weights, (v, e) => v / Math.sqrt(deg[g.src[e]] * deg[g.dst[e]]));
    this.normCache = new Graph(g.numNodes, g.src, g.dst, { weights: w });
    return this.normCache;
  }

  private normCache: Graph | undefined;
  private loopCache: Graph | undefined;

  /** withSelfLoops(1), computed once (GAT attends over the neighbourhood and the node itself). */
  withSelfLoopsCached(): Graph {
    this.loopCache ??= this.withSelfLoops();
    return this.loopCache;
  }

  /** src as an int32 tensor [E]. */
  srcIndex(): Tensor {
    return this.cached("src", () => tensor(this.src));
  }

  /** dst as an int32 tensor [E]. */
  dstIndex(): Tensor {
    return this.cached("dst", () => tensor(this.dst));
  }

  /** dst repeated along trailing dims: an int32 [E, ...trailing] index for scatterAdd along dim 0. */
  dstScatterIndex(trailing: readonly number[]): Tensor {
    const inner = trailing.reduce((a, b) => a * b, 1);
    return this.cached(`dst:${trailing.join("x")}`, () => {
      const idx = new Int32Array(this.numEdges * inner);
      for (let e = 0; e < this.numEdges; e++) idx.fill(this.dst[e], e * inner, (e + 1) * inner);
      return tensor(idx, { shape: [this.numEdges, ...trailing] });
    });
  }

  /** The edge weights as a float tensor [E, 1] (broadcasts over features). */
  weightColumn(): Tensor {
    return this.cached("w", () => tensor(this.weights, { shape: [this.numEdges, 1] }));
  }

  private cached(key: string, make: () => Tensor): Tensor {
    let t = this.cache.get(key);
    if (!t || t.isDisposed) {
      t = keep(make());
      this.cache.set(key, t);
    }
    return t;
  }

  /** Frees the cached index tensors. */
  dispose(): void {
    for (const t of this.cache.values()) t.dispose();
    this.cache.clear();
    this.normCache?.dispose();
    this.loopCache?.dispose();
  }
}
