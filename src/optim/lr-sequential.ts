// SequentialLR: runs schedulers one after another, switching at milestone epochs (torch SequentialLR).
import type { Optimizer } from "./optimizer.js";
import { bisectRight, stateNumber, type LRScheduler, type SchedulerStateDict } from "./lr-scheduler.js";

/** Options of SequentialLR. */
export interface SequentialLROptions {
  /** The schedulers, all built on this optimizer, in the order they run. */
  schedulers: readonly LRScheduler[];
  /** Epochs at which to switch to the next scheduler (one fewer than schedulers, ascending). */
  milestones: readonly number[];
  /** Index of the last epoch (default −1). */
  lastEpoch?: number;
}

/**
 * Runs `schedulers[0]` until `milestones[0]`, then `schedulers[1]` (restarted at its epoch 0), and
 * so on: e.g. a LinearLR warmup followed by CosineAnnealingLR.
 */
export class SequentialLR {
  private readonly schedulers: LRScheduler[];
  private readonly milestones: number[];
  /** Index of the current epoch. */
  lastEpoch: number;
  private lastLr: number[];

  constructor(
    readonly optimizer: Optimizer,
    options: SequentialLROptions,
  ) {
    const op = "SequentialLR";
    const { schedulers, milestones } = options;
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new Error(`${op}: schedulers must be a non-empty array`);
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) throw new Error(`${op}: schedulers[${i}] belongs to a different optimizer than the one passed in`);
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new Error(`${op}: expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${Array.isArray(milestones) ? milestones.length : "none"}`);
    }
    milestones.forEach((m, i) => {
      if (!Number.isInteger(m) || (i > 0 && m < milestones[i - 1])) throw new Error(`${op}: milestones must be ascending integers, got [${milestones.join(", ")}]`);
    });
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = (options.lastEpoch ?? -1) + 1;
    // every scheduler already took its initial step on construction: undo that, and start only the first
    for (const g of optimizer.paramGroups) g.lr = g.initialLr ?? g.lr;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0].initialStep();
    this.lastLr = this.schedulers[0].getLastLr();
  }

  /** Advances one epoch, restarting the next scheduler at its epoch 0 at each milestone. */
  step(): void {
    this.lastEpoch += 1;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }

  /** The lrs the last step set, one per param group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Progress as JSON, including each inner scheduler's state. */
  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch, lastLr: [...this.lastLr], schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  /** Restores progress saved by stateDict() into a SequentialLR built with the same arguments. */
  loadStateDict(state: SchedulerStateDict): void {
    const op = "SequentialLR.loadStateDict";
    const lastEpoch = stateNumber(op, state, "lastEpoch");
    const inner = state.schedulers;
    if (!Array.isArray(inner) || inner.length !== this.schedulers.length) throw new Error(`${op}: schedulers must be an array of ${this.schedulers.length} states`);
    const lastLr = state.lastLr;
    if (!Array.isArray(lastLr) || !lastLr.every((x) => typeof x === "number")) throw new Error(`${op}: lastLr must be an array of numbers`);
    inner.forEach((s, i) => {
      if (s === null || typeof s !== "object" || Array.isArray(s)) throw new Error(`${op}: schedulers[${i}] is not a state object`);
      this.schedulers[i].loadStateDict(s);
    });
    this.lastEpoch = lastEpoch;
    this.lastLr = lastLr as number[];
  }
}
