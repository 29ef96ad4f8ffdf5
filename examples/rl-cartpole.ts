/**
 * Cart-pole (Gymnasium CartPole-v1 physics: +1 per step, 500-step limit) solved by PPO or DQN. Solved
 * means a mean return ≥ 475 over 100 evaluation episodes acting greedily. PPO uses the RL Zoo's
 * CartPole-v1 settings (8 envs × 32 steps, 20 epochs, λ = 0.8, γ = 0.98, linear decay of lr and clip);
 * DQN uses the Zoo's DQN settings with a 128×128 net, and keeps the network of its best 10-episode
 * greedy check during training (SB3's EvalCallback), since DQN's policy can degrade late in training.
 *
 * Writes out/examples/rl-cartpole/<agent>/ (the policy (PPO) or Q-network (DQN) as a Sequential model
 * directory: getConfig() architecture, so moduleFromConfig + loadStateDict rebuild it) and
 * <agent>-learning-curve.svg.
 *
 *   npx tsx examples/rl-cartpole.ts [--agent ppo|dqn] [--quick] [--steps N] [--seed 0]
 */
import { join } from "node:path";
import { getBackend, saveModelDir } from "../src/index.js";
import { CartPole, evaluateGreedy, meanOf, recentMean, trainDqn, trainPpo } from "../src/rl/index.js";
import { linePlot, savePlot } from "../src/plot/index.js";
import { ProgressBar } from "../src/train/index.js";

/** Which learner. */
export type CartpoleAgent = "ppo" | "dqn";

/** What runCartpole returns. */
export interface CartpoleMetrics {
  agent: CartpoleAgent;
  envSteps: number;
  trainSeconds: number;
  trainEpisodes: number;
  firstEpisodesMeanReturn: number;
  lastEpisodesMeanReturn: number;
  evalEpisodes: number;
  evalMeanReturn: number;
  evalMinReturn: number;
  randomMeanReturn: number;
  solved: boolean;
  /** DQN: the training-time check (10 greedy episodes) whose network was kept; null for PPO. */
  bestCheck: { step: number; meanReturn: number } | null;
  backend: string;
}

/** Mean return of a uniformly random policy (the floor learning must clear). */
function randomPolicyReturn(episodes: number, seed: number): number {
  const env = new CartPole();
  let total = 0;
  let s = seed;
  for (let ep = 0; ep < episodes; ep++) {
    env.reset(seed + ep);
    for (;;) {
      s = (s * 1103515245 + 12345) >>> 0;
      const r = env.step(s >>> 16 & 1);
      total += r.reward;
      if (r.terminated || r.truncated) break;
    }
  }
  return total / episodes;
}

/** Trains and evaluates one agent. `quick` trains 20k (PPO) / 15k (DQN) steps instead of 100k / 150k. */
export async function runCartpole(opts: { agent?: CartpoleAgent; quick?: boolean; steps?: number; seed?: number; outDir?: string; evalEpisodes?: number } = {}): Promise<CartpoleMetrics> {
  const agent = opts.agent ?? "ppo";
  const seed = opts.seed ?? 0;
  const outDir = opts.outDir ?? join("out", "examples", "rl-cartpole");
  const totalSteps = opts.steps ?? (agent === "ppo" ? (opts.quick ? 20_000 : 100_000) : opts.quick ? 15_000 : 150_000);
  const evalEpisodes = opts.evalEpisodes ?? 100;
  const bar = new ProgressBar({ total: totalSteps, label: agent.toUpperCase(), unit: "step" });
  let net;
  let episodes: [number, number][];
  let trainSeconds: number;
  let bestCheck: CartpoleMetrics["bestCheck"] = null;
  if (agent === "ppo") {
    const r = trainPpo(() => new CartPole(), {
      totalSteps, seed,
      onUpdate: (i) => bar.update(Math.min(i.step, totalSteps), { meanReturn: i.meanReturn, entropy: i.entropy }),
    });
    r.value.dispose();
    [net, episodes, trainSeconds] = [r.policy, r.episodes, r.seconds];
  } else {
    // the kept network is the best of the 10-episode checks during training (seeds apart from the final 100)
    const r = trainDqn(new CartPole(), {
      totalSteps, seed, evalEvery: 2500, makeEvalEnv: () => new CartPole(),
      onEpisode: (i) => bar.update(i.step, { return: i.return, epsilon: i.epsilon }),
    });
    [net, episodes, trainSeconds] = [r.qNet, r.episodes, r.seconds];
    bestCheck = r.best;
  }
  bar.update(totalSteps);
  const returns = evaluateGreedy(() => new CartPole(), net, evalEpisodes, 1_000_000 + seed);
  const metrics: CartpoleMetrics = {
    agent, envSteps: totalSteps, trainSeconds, trainEpisodes: episodes.length,
    firstEpisodesMeanReturn: meanOf(episodes.slice(0, 20).map(([, r]) => r)),
    lastEpisodesMeanReturn: recentMean(episodes, 20),
    evalEpisodes, evalMeanReturn: meanOf(returns), evalMinReturn: Math.min(...returns),
    randomMeanReturn: randomPolicyReturn(100, seed),
    solved: meanOf(returns) >= 475,
    bestCheck,
    backend: getBackend().name,
  };
  await saveModelDir(join(outDir, agent), {
    architecture: net.getConfig(),
    stateDict: net.stateDict(),
    metadata: { env: "CartPole (v1 physics)", role: agent === "ppo" ? "policy logits" : "Q values", evalMeanReturn: metrics.evalMeanReturn, envSteps: totalSteps },
  });
  const smooth = episodes.map((_, i) => meanOf(episodes.slice(Math.max(0, i - 19), i + 1).map(([, r]) => r)));
  await savePlot(join(outDir, `${agent}-learning-curve.svg`), linePlot({
    title: `Cart-pole ${agent.toUpperCase()}: training episode return (20-episode mean)`, xLabel: "environment step", yLabel: "return",
    series: [
      { name: "return", x: episodes.map(([s]) => s), y: smooth },
      { name: "solved (475)", x: [0, totalSteps], y: [475, 475], dashed: true },
    ],
  }));
  net.dispose();
  return metrics;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const agent = arg("agent") ?? "ppo";
  if (agent !== "ppo" && agent !== "dqn") {
    console.error(`rl-cartpole: --agent must be ppo or dqn, got "${agent}"`);
    process.exit(2);
  }
  const steps = arg("steps");
  const m = await runCartpole({ agent, quick: process.argv.includes("--quick"), steps: steps ? Number(steps) : undefined, seed: arg("seed") ? Number(arg("seed")) : undefined });
  console.log(`${agent}: ${m.envSteps} steps in ${m.trainSeconds.toFixed(1)} s; greedy mean return ${m.evalMeanReturn.toFixed(1)} over ${m.evalEpisodes} episodes (random ${m.randomMeanReturn.toFixed(1)}) — ${m.solved ? "solved" : "not solved"}`);
  console.log(JSON.stringify(m));
}
