/**
 * Tabular control on a grid world: Q-learning and SARSA with a linearly decaying ε, on a 6×9 maze
 * (Sutton & Barto's Dyna maze layout) with a cost of −1 per step. The optimal return is minus the
 * shortest path length (found by BFS), so "reached the optimal return" is checked exactly. A second
 * run on the same maze with 10% slip shows SARSA's on-policy caution.
 *
 * Writes out/examples/rl-gridworld/{q-learning,sarsa}/ (model directories holding the Q table as
 * tensor "q" [states, actions] with a {type: "TabularQ"} architecture) and learning-curves.svg.
 *
 *   npx tsx examples/rl-gridworld.ts [--quick] [--seed 0]
 */
import { join } from "node:path";
import { saveModelDir, tensor } from "../src/index.js";
import { GridWorld, linearSchedule, TabularAgent, type Cell, type TabularMethod } from "../src/rl/index.js";
import { linePlot, savePlot } from "../src/plot/index.js";
import { ProgressBar } from "../src/train/index.js";

/** Sutton & Barto's Dyna maze (Figure 8.2): start on the left, goal top right. */
export function dynaMaze(slip = 0): GridWorld {
  const walls: Cell[] = [[1, 2], [2, 2], [3, 2], [4, 5], [0, 7], [1, 7], [2, 7]];
  return new GridWorld({ rows: 6, cols: 9, start: [2, 0], goal: [0, 8], walls, slip, maxSteps: 200 });
}

/** What runGridworld returns. */
export interface GridworldMetrics {
  optimalReturn: number;
  qLearningGreedyReturn: number;
  sarsaGreedyReturn: number;
  qLearningFirstEpisodesMean: number;
  qLearningLastEpisodesMean: number;
  sarsaFirstEpisodesMean: number;
  sarsaLastEpisodesMean: number;
  slipQLearningMeanReturn: number;
  slipSarsaMeanReturn: number;
  episodes: number;
  seconds: number;
}

const meanOf = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

function train(method: TabularMethod, env: GridWorld, episodes: number, seed: number): { agent: TabularAgent; returns: number[] } {
  const agent = new TabularAgent(method, env.observationSpace.n, 4, { alpha: 0.5, gamma: 1, epsilon: linearSchedule(1, 0.01, episodes * 0.8), seed });
  const bar = new ProgressBar({ total: episodes, label: method, unit: "episode" });
  const returns: number[] = [];
  const chunk = 50;
  for (let done = 0; done < episodes; done += chunk) {
    // train in chunks so the progress bar moves; the ε schedule is by absolute episode
    const n = Math.min(chunk, episodes - done);
    returns.push(...agent.train(env, n, seed, done));
    bar.update(done + n, { return: meanOf(returns.slice(-chunk)) });
  }
  return { agent, returns };
}

/** Trains both agents on the maze (and on its slippery twin). `quick` trains fewer episodes. */
export async function runGridworld(opts: { quick?: boolean; seed?: number; outDir?: string } = {}): Promise<GridworldMetrics> {
  const started = performance.now();
  const seed = opts.seed ?? 0;
  const outDir = opts.outDir ?? join("out", "examples", "rl-gridworld");
  const episodes = opts.quick ? 300 : 1000;
  const env = dynaMaze();
  const optimalReturn = -env.distancesToGoal()[env.index(env.opts.start)];
  const q = train("q-learning", env, episodes, seed);
  const s = train("sarsa", env, episodes, seed + 1);
  const slipEnv = dynaMaze(0.1);
  const slipQ = train("q-learning", slipEnv, episodes, seed + 2);
  const slipS = train("sarsa", slipEnv, episodes, seed + 3);
  const evalSlip = (agent: TabularAgent): number => meanOf(Array.from({ length: 200 }, (_, i) => agent.evaluate(slipEnv, 50_000 + i)));
  const k = Math.min(50, Math.floor(episodes / 5));
  const metrics: GridworldMetrics = {
    optimalReturn,
    qLearningGreedyReturn: q.agent.evaluate(env),
    sarsaGreedyReturn: s.agent.evaluate(env),
    qLearningFirstEpisodesMean: meanOf(q.returns.slice(0, k)),
    qLearningLastEpisodesMean: meanOf(q.returns.slice(-k)),
    sarsaFirstEpisodesMean: meanOf(s.returns.slice(0, k)),
    sarsaLastEpisodesMean: meanOf(s.returns.slice(-k)),
    slipQLearningMeanReturn: evalSlip(slipQ.agent),
    slipSarsaMeanReturn: evalSlip(slipS.agent),
    episodes,
    seconds: 0,
  };
  for (const [name, agent] of [["q-learning", q.agent], ["sarsa", s.agent]] as const) {
    await saveModelDir(join(outDir, name), {
      architecture: { type: "TabularQ", method: name, states: agent.nStates, actions: agent.nActions, env: "dyna-maze 6x9" },
      stateDict: { q: tensor(Float32Array.from(agent.q), { shape: [agent.nStates, agent.nActions] }) },
      metadata: { greedyReturn: name === "q-learning" ? metrics.qLearningGreedyReturn : metrics.sarsaGreedyReturn, optimalReturn },
    });
  }
  const smooth = (r: number[]): number[] => r.map((_, i) => meanOf(r.slice(Math.max(0, i - 19), i + 1)));
  const x = q.returns.map((_, i) => i + 1);
  await savePlot(join(outDir, "learning-curves.svg"), linePlot({
    title: "Dyna maze: return per episode (20-episode moving mean)", xLabel: "episode", yLabel: "return",
    series: [
      { name: "Q-learning", x, y: smooth(q.returns) },
      { name: "SARSA", x, y: smooth(s.returns) },
      { name: "optimal", x: [1, episodes], y: [optimalReturn, optimalReturn], dashed: true },
    ],
  }));
  metrics.seconds = (performance.now() - started) / 1000;
  return metrics;
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const m = await runGridworld({ quick: process.argv.includes("--quick"), seed: flag("seed") });
  console.log(`optimal ${m.optimalReturn}  Q-learning greedy ${m.qLearningGreedyReturn}  SARSA greedy ${m.sarsaGreedyReturn}  (slip 10%: Q ${m.slipQLearningMeanReturn.toFixed(1)}, SARSA ${m.slipSarsaMeanReturn.toFixed(1)})`);
  console.log(JSON.stringify(m));
}
