// Cart-pole, with the physics of Barto, Sutton & Anderson (1983) as Gymnasium's CartPole-v1 codes it.
import { checkDiscreteAction, type BoxSpace, type DiscreteSpace, type Env, type StepResult } from "./env.js";
import { Rng } from "./rng.js";

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_CART + MASS_POLE;
/** Half the pole's length. */
const LENGTH = 0.5;
const POLE_MASS_LENGTH = MASS_POLE * LENGTH;
const FORCE_MAG = 10.0;
/** Seconds between state updates. */
const TAU = 0.02;
/** The pole falls past ±12°. */
export const CARTPOLE_THETA_LIMIT = (12 * 2 * Math.PI) / 360;
/** The cart leaves the track past ±2.4. */
export const CARTPOLE_X_LIMIT = 2.4;

/** Options of CartPole. */
export interface CartPoleOptions {
  /** Steps before truncation (default 500, as CartPole-v1). */
  maxSteps?: number;
}

/**
 * State [x, ẋ, θ, θ̇]; action 0 pushes left, 1 pushes right with 10 N; reward +1 every step (including
 * the last); terminated when |θ| > 12° or |x| > 2.4; truncated after `maxSteps`. Euler integration.
 */
export class CartPole implements Env<number[], number> {
  readonly observationSpace: BoxSpace = {
    kind: "box",
    shape: [4],
    low: [-2 * CARTPOLE_X_LIMIT, -Infinity, -2 * CARTPOLE_THETA_LIMIT, -Infinity],
    high: [2 * CARTPOLE_X_LIMIT, Infinity, 2 * CARTPOLE_THETA_LIMIT, Infinity],
  };
  readonly actionSpace: DiscreteSpace = { kind: "discrete", n: 2 };
  readonly maxSteps: number;
  /** The current state [x, ẋ, θ, θ̇]; assign it to start from a chosen state (tests, demos). */
  state: number[] = [0, 0, 0, 0];
  private steps = 0;
  private done = true;
  private readonly rng = new Rng(0);

  constructor(opts: CartPoleOptions = {}) {
    this.maxSteps = opts.maxSteps ?? 500;
  }

  /** Starts an episode from each state variable drawn from U(−0.05, 0.05). */
  reset(seed?: number): number[] {
    if (seed !== undefined) this.rng.seed(seed);
    this.state = Array.from({ length: 4 }, () => this.rng.uniform(-0.05, 0.05));
    this.steps = 0;
    this.done = false;
    return [...this.state];
  }

  /** Starts an episode from a given state (for hand-checked dynamics and replays). */
  resetTo(state: readonly number[]): number[] {
    if (state.length !== 4 || state.some((v) => !Number.isFinite(v))) throw new RangeError(`CartPole.resetTo: state must be 4 finite numbers, got ${JSON.stringify(state)}`);
    this.state = [...state];
    this.steps = 0;
    this.done = false;
    return [...this.state];
  }

  step(action: number): StepResult<number[]> {
    checkDiscreteAction("CartPole", this.actionSpace, action);
    if (this.done) throw new Error("CartPole.step: the episode is over; call reset() first");
    const [x, xDot, theta, thetaDot] = this.state;
    const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const temp = (force + POLE_MASS_LENGTH * thetaDot * thetaDot * sin) / TOTAL_MASS;
    const thetaAcc = (GRAVITY * sin - cos * temp) / (LENGTH * (4 / 3 - (MASS_POLE * cos * cos) / TOTAL_MASS));
    const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
    this.state = [x + TAU * xDot, xDot + TAU * xAcc, theta + TAU * thetaDot, thetaDot + TAU * thetaAcc];
    this.steps++;
    const terminated = Math.abs(this.state[0]) > CARTPOLE_X_LIMIT || Math.abs(this.state[2]) > CARTPOLE_THETA_LIMIT;
    const truncated = !terminated && this.steps >= this.maxSteps;
    this.done = terminated || truncated;
    return { observation: [...this.state], reward: 1, terminated, truncated };
  }
}
