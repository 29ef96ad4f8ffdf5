// Bandit strategies (ε-greedy with sample averages, UCB1) and a runner that records regret.
import type { GaussianBandit } from "./bandit.js";
import { Rng } from "./rng.js";

/** A bandit strategy: pick an arm, then learn from its reward. */
export interface BanditAgent {
  readonly name: string;
  select(t: number): number;
  update(arm: number, reward: number): void;
}

/** Sample-average value estimates shared by the strategies. */
abstract class ValueEstimates implements BanditAgent {
  abstract readonly name: string;
  readonly counts: number[];
  readonly values: number[];

  constructor(arms: number) {
    this.counts = new Array<number>(arms).fill(0);
    this.values = new Array<number>(arms).fill(0);
  }

  abstract select(t: number): number;

  update(arm: number, reward: number): void {
    this.counts[arm]++;
    this.values[arm] += (reward - this.values[arm]) / this.counts[arm];
  }

  protected argmax(score: (a: number) => number): number {
    let best = 0;
    for (let a = 1; a < this.values.length; a++) if (score(a) > score(best)) best = a;
    return best;
  }
}

/** ε-greedy: a random arm with probability ε, else the best estimate. */
export class EpsilonGreedyBandit extends ValueEstimates {
  readonly name: string;
  private readonly rng: Rng;

  constructor(arms: number, readonly epsilon: number, seed = 0) {
    super(arms);
    this.name = `epsilon-greedy(${epsilon})`;
    this.rng = new Rng(seed);
  }

  select(): number {
    return this.rng.random() < this.epsilon ? this.rng.int(this.values.length) : this.argmax((a) => this.values[a]);
  }
}

/** UCB1 (Auer et al. 2002): each arm once, then argmax value + c·√(ln t / n). */
export class UCB extends ValueEstimates {
  readonly name: string;

  constructor(arms: number, readonly c = 2) {
    super(arms);
    this.name = `ucb(c=${c})`;
  }

  select(t: number): number {
    const untried = this.counts.indexOf(0);
    if (untried >= 0) return untried;
    return this.argmax((a) => this.values[a] + this.c * Math.sqrt(Math.log(t + 1) / this.counts[a]));
  }
}

/** What runBandit records. */
export interface BanditRun {
  rewards: number[];
  /** Cumulative pseudo-regret Σ (best mean − chosen arm's mean) after each pull. */
  regret: number[];
  /** Fraction of pulls that chose the best arm. */
  optimalFraction: number;
}

/** Plays `steps` pulls of `agent` on `env`. */
export function runBandit(env: GaussianBandit, agent: BanditAgent, steps: number, seed = 0): BanditRun {
  env.reset(seed);
  const best = env.bestMean;
  const bestArm = env.means.indexOf(best);
  const rewards: number[] = [];
  const regret: number[] = [];
  let cum = 0;
  let optimal = 0;
  for (let t = 0; t < steps; t++) {
    const arm = agent.select(t);
    const r = env.step(arm);
    agent.update(arm, r.reward);
    rewards.push(r.reward);
    cum += best - env.means[arm];
    regret.push(cum);
    if (arm === bestArm) optimal++;
  }
  return { rewards, regret, optimalFraction: optimal / steps };
}
