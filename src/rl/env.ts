// The one environment interface every agent here trains against (Gymnasium's reset/step contract).

/** A finite set of actions or observations {0, 1, ..., n-1}. */
export interface DiscreteSpace {
  kind: "discrete";
  n: number;
}

/** A box of real vectors with per-dimension bounds (Infinity where unbounded). */
export interface BoxSpace {
  kind: "box";
  shape: number[];
  low: number[];
  high: number[];
}

/** What an observation or action may be. */
export type Space = DiscreteSpace | BoxSpace;

/** What `step` returns, as Gymnasium's 5-tuple minus `info`. */
export interface StepResult<O> {
  observation: O;
  reward: number;
  /** The episode reached a terminal state (the value of what follows is zero). */
  terminated: boolean;
  /** The episode was cut off by a time limit (the state is not terminal: bootstrap from it). */
  truncated: boolean;
}

/**
 * An environment: `reset(seed)` starts an episode and returns the first observation; `step(action)`
 * advances one time step. Seeding `reset` makes the whole episode reproducible.
 */
export interface Env<O = number[], A = number> {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  reset(seed?: number): O;
  step(action: A): StepResult<O>;
}

/** Throws a clear error unless `action` is an integer in the discrete action space. */
export function checkDiscreteAction(envName: string, space: Space, action: number): void {
  if (space.kind !== "discrete") throw new Error(`${envName}: action space is not discrete`);
  if (!Number.isInteger(action) || action < 0 || action >= space.n) {
    throw new RangeError(`${envName}.step: action must be an integer in [0, ${space.n}), got ${action}`);
  }
}
