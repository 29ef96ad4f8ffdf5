/**
 * Graph networks on a social network: the Les Misérables character co-occurrence graph (77 characters,
 * 254 weighted links, 11 `group` communities; the vega-datasets copy in the offline catalog).
 *
 * 1. Semi-supervised node classification of `group`: two labelled characters per group (one for the
 *    groups of two, the single member of the groups of one), the rest held out. A two-layer GCN and a
 *    two-layer GAT (sparse message passing over the edge list) on one-hot node identities, compared with
 *    label propagation and the majority class.
 * 2. Link prediction: a graph auto-encoder (GCN encoder, inner-product decoder) trained on 85% of the
 *    edges, ROC-AUC on the held-out 15% against as many sampled non-edges.
 *
 * Writes out/examples/gnn-social/{gcn,gae}/ (model directories: a stateDict with this file's own
 * architecture config, documented below), learning curves and the graph coloured by predicted group.
 *
 *   npx tsx examples/gnn-social.ts [--quick] [--seed 0]
 */
import { join } from "node:path";
import {
  Adam, crossEntropy, binaryCrossEntropyWithLogits, dropout, elu, eye, indexSelect, manualSeed, Module, noGrad, relu, rocAucScore,
  saveModelDir, scope, tensor, cat, ones, zeros, argmax, type Tensor,
} from "../src/index.js";
import { loadGraph } from "../src/data/index.js";
import { GATConv, GCNConv, Graph, GraphAutoEncoder, innerProductLogits, labelPropagation, sampleNonEdges, splitEdges } from "../src/gnn/index.js";
import { Rng } from "../src/rl/index.js";
import { linePlot, savePlot, scatterPlot } from "../src/plot/index.js";
import { ProgressBar } from "../src/train/index.js";
import { writeFileAtomic } from "../src/io/atomic.js";

/** Two GCN layers with ReLU and dropout: the architecture of Kipf & Welling's citation experiments. */
export class GcnClassifier extends Module<[Tensor, Graph], Tensor> {
  conv1: GCNConv;
  conv2: GCNConv;
  constructor(readonly inFeatures: number, readonly hidden: number, readonly classes: number, readonly dropoutP = 0.5) {
    super();
    this.conv1 = new GCNConv(inFeatures, hidden);
    this.conv2 = new GCNConv(hidden, classes);
  }
  override forward(x: Tensor, g: Graph): Tensor {
    const h = dropout(relu(this.conv1.forward(dropout(x, this.dropoutP, this.training), g)), this.dropoutP, this.training);
    return this.conv2.forward(h, g);
  }
}

/** GAT: 8 heads of 8 features (ELU), then one averaged head producing the class logits. */
export class GatClassifier extends Module<[Tensor, Graph], Tensor> {
  gat1: GATConv;
  gat2: GATConv;
  constructor(readonly inFeatures: number, readonly classes: number, readonly dropoutP = 0.6) {
    super();
    this.gat1 = new GATConv(inFeatures, 8, { heads: 8, attentionDropout: dropoutP });
    this.gat2 = new GATConv(64, classes, { heads: 1, concat: false, attentionDropout: dropoutP });
  }
  override forward(x: Tensor, g: Graph): Tensor {
    const h = dropout(elu(this.gat1.forward(dropout(x, this.dropoutP, this.training), g)), this.dropoutP, this.training);
    return this.gat2.forward(h, g);
  }
}

/** What runGnnSocial returns (the example prints it as its last line). */
export interface GnnSocialMetrics {
  nodes: number;
  edges: number;
  classes: number;
  labelled: number;
  testNodes: number;
  gcnTestAccuracy: number;
  gatTestAccuracy: number;
  labelPropagationAccuracy: number;
  majorityAccuracy: number;
  gcnLossFirst: number;
  gcnLossLast: number;
  gatLossFirst: number;
  gatLossLast: number;
  gaeTestAuc: number;
  gaeLossFirst: number;
  gaeLossLast: number;
  heldOutEdges: number;
  seconds: number;
}

/** Picks the labelled nodes: 2 per group, 1 for groups of two, the lone member of groups of one. */
function chooseLabelled(groups: number[], classes: number, rng: Rng): boolean[] {
  const labelled = groups.map(() => false);
  for (let c = 0; c < classes; c++) {
    const members = groups.flatMap((g, i) => (g === c ? [i] : []));
    const k = members.length >= 3 ? 2 : 1;
    for (let j = 0; j < k; j++) {
      const pick = members.splice(rng.int(members.length), 1)[0];
      labelled[pick] = true;
    }
  }
  return labelled;
}

function accuracyOn(pred: ArrayLike<number>, truth: number[], rows: number[]): number {
  return rows.filter((i) => pred[i] === truth[i]).length / rows.length;
}

/** Trains a node classifier on the labelled rows; returns its per-epoch losses and test predictions. */
function trainClassifier(model: GcnClassifier | GatClassifier, x: Tensor, g: Graph, labels: number[], trainRows: number[], epochs: number, lr: number, label: string): { losses: number[]; pred: number[] } {
  const optimizer = new Adam(model.parameters(), { lr, weightDecay: 5e-4 });
  const rows = tensor(Int32Array.from(trainRows));
  const targets = tensor(Int32Array.from(trainRows, (i) => labels[i]));
  const bar = new ProgressBar({ total: epochs, label, unit: "epoch" });
  const losses: number[] = [];
  model.train();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    losses.push(scope(() => {
      optimizer.zeroGrad();
      const loss = crossEntropy(indexSelect(model.forward(x, g), 0, rows), targets);
      loss.backward();
      optimizer.step();
      return loss.item();
    }));
    bar.update(epoch, { loss: losses.at(-1) as number });
  }
  model.eval();
  const pred = scope(() => noGrad(() => Array.from(argmax(model.forward(x, g), 1).dataSync())));
  return { losses, pred };
}

/** A Fruchterman–Reingold force layout (host code: positions only, the plot library draws them). */
function forceLayout(n: number, a: number[], b: number[], iterations: number, rng: Rng): { x: number[]; y: number[] } {
  const x = Array.from({ length: n }, () => rng.uniform(-1, 1));
  const y = Array.from({ length: n }, () => rng.uniform(-1, 1));
  const k = Math.sqrt(4 / n);
  for (let it = 0; it < iterations; it++) {
    const dx = new Array<number>(n).fill(0), dy = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const ex = x[i] - x[j], ey = y[i] - y[j];
        const d2 = Math.max(ex * ex + ey * ey, 1e-6);
        const f = (k * k) / d2; // repulsion k²/d along the unit vector
        dx[i] += ex * f; dy[i] += ey * f; dx[j] -= ex * f; dy[j] -= ey * f;
      }
    }
    a.forEach((i, e) => {
      const j = b[e];
      const ex = x[i] - x[j], ey = y[i] - y[j];
      const d = Math.max(Math.sqrt(ex * ex + ey * ey), 1e-3);
      const f = d / k; // attraction d²/k along the unit vector
      dx[i] -= ex * f; dy[i] -= ey * f; dx[j] += ex * f; dy[j] += ey * f;
    });
    const temp = 0.1 * (1 - it / iterations);
    for (let i = 0; i < n; i++) {
      const len = Math.max(Math.hypot(dx[i], dy[i]), 1e-9);
      x[i] += (dx[i] / len) * Math.min(len, temp);
      y[i] += (dy[i] / len) * Math.min(len, temp);
    }
  }
  return { x, y };
}

/** Runs both tasks. `quick` trains fewer epochs. */
export async function runGnnSocial(opts: { quick?: boolean; seed?: number; outDir?: string } = {}): Promise<GnnSocialMetrics> {
  const started = performance.now();
  const seed = opts.seed ?? 0;
  const outDir = opts.outDir ?? join("out", "examples", "gnn-social");
  const epochs = opts.quick ? 100 : 300;
  manualSeed(seed);
  const rng = new Rng(seed);

  const { nodes, links } = await loadGraph("les-miserables");
  const groups = Array.from(nodes.column("group").values as Float64Array);
  const n = groups.length;
  const classes = Math.max(...groups) + 1;
  const src = Array.from(links.column("source").values as Float64Array);
  const dst = Array.from(links.column("target").values as Float64Array);
  const weight = Array.from(links.column("value").values as Float64Array);
  // co-occurrence counts range 1..31: log-scale them so a few heavy links do not drown the rest
  const graph = Graph.undirected(n, src, dst, weight.map((w) => 1 + Math.log(w)));
  const x = eye(n); // no node attributes: one-hot identities, as in the GCN paper's featureless setting

  // ---- node classification
  const labelled = chooseLabelled(groups, classes, rng);
  const trainRows = groups.flatMap((_, i) => (labelled[i] ? [i] : []));
  const testRows = groups.flatMap((_, i) => (labelled[i] ? [] : [i]));
  const gcn = new GcnClassifier(n, 16, classes);
  const gcnRun = trainClassifier(gcn, x, graph, groups, trainRows, epochs, 0.01, "GCN");
  const gat = new GatClassifier(n, classes);
  const gatRun = trainClassifier(gat, x, graph, groups, trainRows, epochs, 0.005, "GAT");
  const lp = labelPropagation(graph, groups.map((g, i) => (labelled[i] ? g : -1)), classes);
  const counts = new Array<number>(classes).fill(0);
  trainRows.forEach((i) => counts[groups[i]]++);
  const majority = counts.indexOf(Math.max(...counts));

  // ---- link prediction
  const split = splitEdges(n, src, dst, weight, 0.15, seed);
  const trainGraph = Graph.undirected(n, split.train.a, split.train.b);
  const gae = new GraphAutoEncoder(n, 32, 16);
  const gaeOpt = new Adam(gae.parameters(), { lr: 0.01 });
  const posA = [...split.train.a, ...split.train.b];
  const posB = [...split.train.b, ...split.train.a];
  const heldOut = new Set(split.testPositive.a.map((a, i) => (a < split.testPositive.b[i] ? `${a},${split.testPositive.b[i]}` : `${split.testPositive.b[i]},${a}`)));
  const gaeLosses: number[] = [];
  const bar = new ProgressBar({ total: epochs, label: "GAE", unit: "epoch" });
  for (let epoch = 1; epoch <= epochs; epoch++) {
    // fresh negatives each epoch, never a held-out edge (that would leak the test labels)
    const neg = sampleNonEdges(n, src, dst, posA.length, rng, heldOut);
    gaeLosses.push(scope(() => {
      gaeOpt.zeroGrad();
      const z = gae.forward(x, trainGraph);
      const logits = cat([innerProductLogits(z, posA, posB), innerProductLogits(z, neg.a, neg.b)]);
      const target = cat([ones([posA.length]), zeros([neg.a.length])]);
      const loss = binaryCrossEntropyWithLogits(logits, target);
      loss.backward();
      gaeOpt.step();
      return loss.item();
    }));
    bar.update(epoch, { loss: gaeLosses.at(-1) as number });
  }
  const scores = scope(() => noGrad(() => {
    const z = gae.forward(x, trainGraph);
    return Array.from(innerProductLogits(z, [...split.testPositive.a, ...split.testNegative.a], [...split.testPositive.b, ...split.testNegative.b]).dataSync());
  }));
  const truth = [...split.testPositive.a.map(() => 1), ...split.testNegative.a.map(() => 0)];
  const gaeTestAuc = rocAucScore(truth, scores);

  const metrics: GnnSocialMetrics = {
    nodes: n, edges: src.length, classes, labelled: trainRows.length, testNodes: testRows.length,
    gcnTestAccuracy: accuracyOn(gcnRun.pred, groups, testRows),
    gatTestAccuracy: accuracyOn(gatRun.pred, groups, testRows),
    labelPropagationAccuracy: accuracyOn(lp, groups, testRows),
    majorityAccuracy: accuracyOn(groups.map(() => majority), groups, testRows),
    gcnLossFirst: gcnRun.losses[0], gcnLossLast: gcnRun.losses.at(-1) as number,
    gatLossFirst: gatRun.losses[0], gatLossLast: gatRun.losses.at(-1) as number,
    gaeTestAuc, gaeLossFirst: gaeLosses[0], gaeLossLast: gaeLosses.at(-1) as number, heldOutEdges: split.testPositive.a.length,
    seconds: 0,
  };

  // ---- artifacts: model directories (own architecture config: this file's classes, rebuilt by their
  // constructor arguments) and plots
  await saveModelDir(join(outDir, "gcn"), {
    architecture: { type: "GcnClassifier", inFeatures: n, hidden: 16, classes, dropout: 0.5, source: "examples/gnn-social.ts" },
    stateDict: gcn.stateDict(),
    metadata: { dataset: "les-miserables", testAccuracy: metrics.gcnTestAccuracy },
  });
  await saveModelDir(join(outDir, "gae"), {
    architecture: gae.getConfig(),
    stateDict: gae.stateDict(),
    metadata: { dataset: "les-miserables", testAuc: gaeTestAuc },
  });
  const ep = (l: number[]): number[] => l.map((_, i) => i + 1);
  await savePlot(join(outDir, "losses.svg"), linePlot({
    title: "Les Misérables: training loss", xLabel: "epoch", yLabel: "loss",
    series: [
      { name: "GCN (cross-entropy)", x: ep(gcnRun.losses), y: gcnRun.losses },
      { name: "GAT (cross-entropy)", x: ep(gatRun.losses), y: gatRun.losses },
      { name: "GAE (link BCE)", x: ep(gaeLosses), y: gaeLosses },
    ],
  }));
  const pos = forceLayout(n, src, dst, opts.quick ? 100 : 300, new Rng(seed + 7));
  const byGroup = Array.from({ length: classes }, (_, c) => gcnRun.pred.flatMap((p, i) => (p === c ? [i] : [])));
  await savePlot(join(outDir, "graph-predicted-groups.svg"), scatterPlot({
    title: `Les Misérables, coloured by GCN-predicted group (test accuracy ${(metrics.gcnTestAccuracy * 100).toFixed(0)}%)`,
    series: byGroup.flatMap((rows, c) => (rows.length ? [{ name: `group ${c}`, x: rows.map((i) => pos.x[i]), y: rows.map((i) => pos.y[i]) }] : [])),
    radius: 5, width: 800, height: 640,
  }));
  // the split, so the PyTorch twin (bench/zoo/gnn_social_torch.py) trains on exactly the same nodes and edges
  const splitJson = JSON.stringify({ trainRows, testRows, train: split.train, testPositive: split.testPositive, testNegative: split.testNegative, epochs });
  await writeFileAtomic(join(outDir, "split.json"), async (fh) => { await fh.writeFile(splitJson); });
  metrics.seconds = (performance.now() - started) / 1000;
  [gcn, gat, gae].forEach((m) => m.dispose());
  graph.dispose();
  trainGraph.dispose();
  x.dispose();
  return metrics;
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const m = await runGnnSocial({ quick: process.argv.includes("--quick"), seed: flag("seed") });
  console.log(`GCN ${(m.gcnTestAccuracy * 100).toFixed(1)}%  GAT ${(m.gatTestAccuracy * 100).toFixed(1)}%  label propagation ${(m.labelPropagationAccuracy * 100).toFixed(1)}%  majority ${(m.majorityAccuracy * 100).toFixed(1)}%  GAE link AUC ${m.gaeTestAuc.toFixed(3)}`);
  console.log(JSON.stringify(m));
}
