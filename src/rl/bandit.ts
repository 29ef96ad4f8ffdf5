// A multi-armed bandit with Gaussian arms: one state, each pull pays N(mean[arm], std[arm]²).
import { checkDiscreteAction, type DiscreteSpace, type Env, type StepResult } from "./env.js";
import { Rng } from "./rng.js";

/** Options of GaussianBandit. */
export interface GaussianBanditOptions {
  /** The arms' mean rewards. */
  means: number[];
  /** One standard deviation for every arm, or one per arm (default 1). */
  std?: number | number[];
  /** Pulls per episode before truncation (default 1000). */
  maxSteps?: number;
}

/** k Gaussian arms; the observation is always 0. */
export class GaussianBandit implements Env<number, number> {
  readonly observationSpace: DiscreteSpace = { kind: "discrete", n: 1 };
  readonly actionSpace: DiscreteSpace;
  readonly means: number[];
  readonly stds: number[];
  readonly maxSteps: number;
  private readonly rng = new Rng(0);
  private steps = 0;

  constructor(opts: GaussianBanditOptions) {
    if (!Array.isArray(opts.means) || opts.means.length < 1 || opts.means.some((m) => !Number.isFinite(m))) throw new RangeError("GaussianBandit: means must be a non-empty array of finite numbers");
    this.means = [...opts.means];
    const std = opts.std ?? 1;
    this.stds = Array.isArray(std) ? [...std] : this.means.map(() => std);
    if (this.stds.length !== this.means.length || this.stds.some((s) => !(s >= 0))) throw new RangeError(`GaussianBandit: std must be ≥ 0, one value or one per arm (${this.means.length})`);
    this.actionSpace = { kind: "discrete", n: this.means.length };
    this.maxSteps = opts.maxSteps ?? 1000;
  }

  /** Draws k arm means from N(0, 1), the 10-armed testbed of Sutton & Barto (§2.3). */
  static testbed(k: number, seed: number, maxSteps?: number): GaussianBandit {
    const rng = new Rng(seed);
    return new GaussianBandit({ means: Array.from({ length: k }, () => rng.normal()), maxSteps });
  }

  /** The best arm's mean (the benchmark regret is measured against). */
  get bestMean(): number {
    return Math.max(...this.means);
  }

  reset(seed?: number): number {
    if (seed !== undefined) this.rng.seed(seed);
    this.steps = 0;
    return 0;
  }

  step(action: number): StepResult<number> {
    checkDiscreteAction("GaussianBandit", this.actionSpace, action);
    this.steps++;
    return { observation: 0, reward: this.rng.normal(this.means[action], this.stds[action]), terminated: false, truncated: this.steps >= this.maxSteps };
  }
}
