/**
 * The 10-armed testbed (Sutton & Barto §2.3): arm means drawn from N(0, 1), rewards N(mean, 1). Greedy,
 * ε-greedy (ε = 0.1, 0.01) and UCB1 (c = 2), each averaged over many independent bandits; the cumulative
 * pseudo-regret curves are the plot. Writes out/examples/rl-bandit/{regret.svg, ucb/} (the UCB agent's
 * value estimates and pull counts of the last bandit as tensors, {type: "BanditEstimates"}).
 *
 *   npx tsx examples/rl-bandit.ts [--quick] [--seed 0]
 */
import { join } from "node:path";
import { saveModelDir, tensor } from "../src/index.js";
import { EpsilonGreedyBandit, GaussianBandit, runBandit, UCB, type BanditAgent } from "../src/rl/index.js";
import { linePlot, savePlot } from "../src/plot/index.js";
import { ProgressBar } from "../src/train/index.js";

/** Per strategy: mean cumulative regret at the end, and the fraction of optimal pulls. */
export interface BanditMetrics {
  runs: number;
  steps: number;
  finalRegret: Record<string, number>;
  optimalFraction: Record<string, number>;
  seconds: number;
}

const STRATEGIES: [string, (seed: number) => BanditAgent][] = [
  ["greedy", (s) => new EpsilonGreedyBandit(10, 0, s)],
  ["epsilon-0.1", (s) => new EpsilonGreedyBandit(10, 0.1, s)],
  ["epsilon-0.01", (s) => new EpsilonGreedyBandit(10, 0.01, s)],
  ["ucb-2", () => new UCB(10, 2)],
];

/** Runs every strategy on `runs` testbeds of `steps` pulls. `quick` runs fewer of both. */
export async function runBanditExample(opts: { quick?: boolean; seed?: number; outDir?: string } = {}): Promise<BanditMetrics> {
  const started = performance.now();
  const seed = opts.seed ?? 0;
  const outDir = opts.outDir ?? join("out", "examples", "rl-bandit");
  const runs = opts.quick ? 100 : 2000;
  const steps = opts.quick ? 1000 : 2000;
  const regret: Record<string, Float64Array> = {};
  const optimal: Record<string, number> = {};
  const bar = new ProgressBar({ total: runs, label: "bandits", unit: "run" });
  let lastUcb: UCB | undefined;
  for (let r = 0; r < runs; r++) {
    for (const [name, make] of STRATEGIES) {
      const env = GaussianBandit.testbed(10, seed * 100_000 + r, steps);
      const agent = make(seed + r);
      const run = runBandit(env, agent, steps, seed + r);
      regret[name] ??= new Float64Array(steps);
      run.regret.forEach((v, t) => (regret[name][t] += v / runs));
      optimal[name] = (optimal[name] ?? 0) + run.optimalFraction / runs;
      if (agent instanceof UCB) lastUcb = agent;
    }
    bar.update(r + 1);
  }
  const x = Array.from({ length: steps }, (_, t) => t + 1);
  await savePlot(join(outDir, "regret.svg"), linePlot({
    title: `10-armed testbed: cumulative regret (mean of ${runs} bandits)`, xLabel: "pull", yLabel: "cumulative regret",
    series: STRATEGIES.map(([name]) => ({ name, x, y: regret[name] })),
  }));
  if (lastUcb) {
    await saveModelDir(join(outDir, "ucb"), {
      architecture: { type: "BanditEstimates", strategy: lastUcb.name, arms: 10 },
      stateDict: { values: tensor(Float32Array.from(lastUcb.values)), counts: tensor(Float32Array.from(lastUcb.counts)) },
    });
  }
  return {
    runs, steps,
    finalRegret: Object.fromEntries(STRATEGIES.map(([n]) => [n, regret[n][steps - 1]])),
    optimalFraction: optimal,
    seconds: (performance.now() - started) / 1000,
  };
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const m = await runBanditExample({ quick: process.argv.includes("--quick"), seed: flag("seed") });
  for (const [name, v] of Object.entries(m.finalRegret)) console.log(`${name.padEnd(14)} regret ${v.toFixed(1)}  optimal arm ${(m.optimalFraction[name] * 100).toFixed(1)}%`);
  console.log(JSON.stringify(m));
}
