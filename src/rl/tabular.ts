// Tabular control: Q-learning (off-policy) and SARSA (on-policy) on discrete-state environments.
import type { Env } from "./env.js";
import { Rng } from "./rng.js";
import { constantSchedule, type Schedule } from "./schedule.js";

/** Options of the tabular agents. */
export interface TabularOptions {
  /** Step size α (default 0.5). */
  alpha?: number;
  /** Discount γ (default 1: episodic tasks with a cost per step). */
  gamma?: number;
  /** ε by episode (default constant 0.1). */
  epsilon?: Schedule;
  /** Initial Q values (default 0). */
  initialQ?: number;
  seed?: number;
}

/** Which update rule: Q-learning bootstraps from max_a Q(s', a), SARSA from Q(s', a') of the action taken. */
export type TabularMethod = "q-learning" | "sarsa";

/** A Q table with ε-greedy behaviour; `train` runs episodes with the chosen update rule. */
export class TabularAgent {
  /** Q[s·nActions + a]. */
  readonly q: Float64Array;
  readonly alpha: number;
  readonly gamma: number;
  readonly epsilon: Schedule;
  private readonly rng: Rng;

  constructor(readonly method: TabularMethod, readonly nStates: number, readonly nActions: number, opts: TabularOptions = {}) {
    this.alpha = opts.alpha ?? 0.5;
    this.gamma = opts.gamma ?? 1;
    this.epsilon = opts.epsilon ?? constantSchedule(0.1);
    this.q = new Float64Array(nStates * nActions).fill(opts.initialQ ?? 0);
    this.rng = new Rng(opts.seed ?? 0);
  }

  /** Q(s, ·) as a plain array. */
  values(s: number): number[] {
    return Array.from(this.q.subarray(s * this.nActions, (s + 1) * this.nActions));
  }

  /** The greedy action (ties broken at random so that an all-zero table still explores). */
  greedy(s: number): number {
    let best = -Infinity;
    let picks: number[] = [];
    for (let a = 0; a < this.nActions; a++) {
      const v = this.q[s * this.nActions + a];
      if (v > best) [best, picks] = [v, [a]];
      else if (v === best) picks.push(a);
    }
    return picks.length === 1 ? picks[0] : picks[this.rng.int(picks.length)];
  }

  /** ε-greedy action. */
  act(s: number, epsilon: number): number {
    return this.rng.random() < epsilon ? this.rng.int(this.nActions) : this.greedy(s);
  }

  private maxQ(s: number): number {
    let m = -Infinity;
    for (let a = 0; a < this.nActions; a++) m = Math.max(m, this.q[s * this.nActions + a]);
    return m;
  }

  /**
   * Runs `episodes` training episodes numbered from `firstEpisode` (ε follows the schedule by that
   * number, so training may be split into slices); returns each episode's (undiscounted) return.
   */
  train(env: Env<number, number>, episodes: number, seed = 0, firstEpisode = 0): number[] {
    const returns: number[] = [];
    for (let ep = firstEpisode; ep < firstEpisode + episodes; ep++) {
      const eps = this.epsilon(ep);
      let s = env.reset(seed + ep);
      let a = this.act(s, eps);
      let total = 0;
      for (;;) {
        const r = env.step(a);
        total += r.reward;
        const next = r.observation;
        const nextA = this.act(next, eps);
        // a terminal state has value 0; a truncated one keeps its bootstrap
        const future = r.terminated ? 0 : this.method === "q-learning" ? this.maxQ(next) : this.q[next * this.nActions + nextA];
        const i = s * this.nActions + a;
        this.q[i] += this.alpha * (r.reward + this.gamma * future - this.q[i]);
        if (r.terminated || r.truncated) break;
        s = next;
        a = nextA;
      }
      returns.push(total);
    }
    return returns;
  }

  /** The return of one greedy episode. */
  evaluate(env: Env<number, number>, seed = 0): number {
    let s = env.reset(seed);
    let total = 0;
    for (;;) {
      const r = env.step(this.greedy(s));
      total += r.reward;
      if (r.terminated || r.truncated) return total;
      s = r.observation;
    }
  }
}
