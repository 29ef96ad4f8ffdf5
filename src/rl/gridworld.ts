// A grid world: walls, one goal, a cost per step and an optional slip (the "frozen lake" wind).
import { checkDiscreteAction, type DiscreteSpace, type Env, type StepResult } from "./env.js";
import { Rng } from "./rng.js";

/** A cell as [row, column]. */
export type Cell = [number, number];

/** Options of GridWorld. */
export interface GridWorldOptions {
  rows: number;
  cols: number;
  start: Cell;
  goal: Cell;
  walls?: Cell[];
  /** Probability that the move goes in a uniformly random direction instead (default 0). */
  slip?: number;
  /** Reward of every step, the goal-reaching one included (default −1). */
  stepReward?: number;
  /** Extra reward on reaching the goal (default 0). */
  goalReward?: number;
  /** Steps before truncation (default 100). */
  maxSteps?: number;
}

/** Actions: 0 up, 1 right, 2 down, 3 left. */
export const GRID_MOVES: readonly Cell[] = [[-1, 0], [0, 1], [1, 0], [0, -1]];

/**
 * Observations are cell indices row·cols + col. A move into a wall or off the grid leaves the agent in
 * place. With the defaults the optimal undiscounted return is −(shortest path length).
 */
export class GridWorld implements Env<number, number> {
  readonly observationSpace: DiscreteSpace;
  readonly actionSpace: DiscreteSpace = { kind: "discrete", n: 4 };
  readonly opts: Required<GridWorldOptions>;
  private readonly wallSet: Set<number>;
  private readonly rng = new Rng(0);
  private pos = 0;
  private steps = 0;
  private done = true;

  constructor(opts: GridWorldOptions) {
    const o = { walls: [], slip: 0, stepReward: -1, goalReward: 0, maxSteps: 100, ...opts };
    if (!Number.isInteger(o.rows) || !Number.isInteger(o.cols) || o.rows < 1 || o.cols < 1) throw new RangeError(`GridWorld: rows and cols must be positive integers, got ${o.rows}x${o.cols}`);
    if (!(o.slip >= 0 && o.slip <= 1)) throw new RangeError(`GridWorld: slip must be in [0, 1], got ${o.slip}`);
    this.opts = o;
    const check = (what: string, c: Cell): void => {
      if (!this.inside(c)) throw new RangeError(`GridWorld: ${what} ${JSON.stringify(c)} is outside the ${o.rows}x${o.cols} grid`);
    };
    check("start", o.start);
    check("goal", o.goal);
    o.walls.forEach((w) => check("wall", w));
    this.wallSet = new Set(o.walls.map((w) => this.index(w)));
    if (this.wallSet.has(this.index(o.start)) || this.wallSet.has(this.index(o.goal))) throw new RangeError("GridWorld: start and goal must not be walls");
    this.observationSpace = { kind: "discrete", n: o.rows * o.cols };
  }

  /** The observation (state index) of a cell. */
  index([r, c]: Cell): number {
    return r * this.opts.cols + c;
  }

  /** The cell of a state index. */
  cell(s: number): Cell {
    return [Math.floor(s / this.opts.cols), s % this.opts.cols];
  }

  /** Whether cell `s` is a wall. */
  isWall(s: number): boolean {
    return this.wallSet.has(s);
  }

  private inside([r, c]: Cell): boolean {
    return Number.isInteger(r) && Number.isInteger(c) && r >= 0 && c >= 0 && r < this.opts.rows && c < this.opts.cols;
  }

  /** Where `action` leads from state `s` without slipping. */
  nextState(s: number, action: number): number {
    const [r, c] = this.cell(s);
    const [dr, dc] = GRID_MOVES[action];
    const to: Cell = [r + dr, c + dc];
    return this.inside(to) && !this.wallSet.has(this.index(to)) ? this.index(to) : s;
  }

  reset(seed?: number): number {
    if (seed !== undefined) this.rng.seed(seed);
    this.pos = this.index(this.opts.start);
    this.steps = 0;
    this.done = false;
    return this.pos;
  }

  step(action: number): StepResult<number> {
    checkDiscreteAction("GridWorld", this.actionSpace, action);
    if (this.done) throw new Error("GridWorld.step: the episode is over; call reset() first");
    const move = this.opts.slip > 0 && this.rng.random() < this.opts.slip ? this.rng.int(4) : action;
    this.pos = this.nextState(this.pos, move);
    this.steps++;
    const terminated = this.pos === this.index(this.opts.goal);
    const truncated = !terminated && this.steps >= this.opts.maxSteps;
    this.done = terminated || truncated;
    const reward = this.opts.stepReward + (terminated ? this.opts.goalReward : 0);
    return { observation: this.pos, reward, terminated, truncated };
  }

  /** Shortest-path length (moves) from every state to the goal by BFS; Infinity where unreachable. */
  distancesToGoal(): number[] {
    const n = this.observationSpace.n;
    const dist = new Array<number>(n).fill(Infinity);
    const goal = this.index(this.opts.goal);
    dist[goal] = 0;
    const queue = [goal];
    while (queue.length > 0) {
      const s = queue.shift() as number;
      // moves are reversible on a grid, so BFS backwards from the goal is BFS forwards
      for (let a = 0; a < 4; a++) {
        const t = this.nextState(s, a);
        if (t !== s && dist[t] === Infinity) {
          dist[t] = dist[s] + 1;
          queue.push(t);
        }
      }
    }
    return dist;
  }
}
