// The LRScheduler base (torch.optim.lr_scheduler._LRScheduler): it owns the epoch counter and writes
// each param group's lr; subclasses give the chainable update (getLr) and, where one exists, the
// closed form used when step(epoch) jumps to an epoch.
import type { Optimizer, StateValue } from "./optimizer.js";

/** A scheduler's state: plain JSON (its configuration comes from its constructor, as with PyTorch's lambdas). */
export type SchedulerStateDict = { [key: string]: StateValue };

/** Options every epoch-based scheduler accepts. */
export interface SchedulerOptions {
  /** Index of the last epoch when resuming (default −1: start fresh). Resuming needs each group's initialLr set. */
  lastEpoch?: number;
}

function numberArray(op: string, name: string, v: StateValue | undefined, length: number): number[] {
  if (!Array.isArray(v) || v.length !== length || !v.every((x) => typeof x === "number")) {
    throw new Error(`${op}: ${name} must be an array of ${length} numbers`);
  }
  return v as number[];
}

/** Reads a numeric field of a state dict, naming it when it is missing. */
export function stateNumber(op: string, s: SchedulerStateDict, name: string): number {
  const v = s[name];
  if (typeof v !== "number") throw new Error(`${op}: state field ${name} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** A positive integer argument, or an error naming it. */
export function checkPositiveInt(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${op}: ${name} must be a positive integer, got ${String(v)}`);
}

/**
 * Base of the epoch-based schedulers. Call `step()` once per epoch (or batch), after `optimizer.step()`;
 * it sets every param group's `lr`. Subclass constructors set their fields, then call `initialStep()`.
 */
export abstract class LRScheduler {
  /** The lr each group's schedule is relative to (the groups' `initialLr`). */
  baseLrs: number[];
  /** Index of the current epoch: 0 after construction, +1 per step(). */
  lastEpoch: number;
  /** How many times step() ran (PyTorch's _step_count; CosineAnnealingLR's first step depends on it). */
  protected stepCount = 0;
  /** The lrs set by the last step. */
  protected lastLr: number[] = [];

  protected constructor(
    readonly optimizer: Optimizer,
    lastEpoch = -1,
    protected readonly name = "LRScheduler",
  ) {
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) throw new Error(`${name}: lastEpoch must be an integer >= -1, got ${lastEpoch}`);
    const groups = optimizer.paramGroups;
    if (lastEpoch === -1) {
      for (const g of groups) g.initialLr ??= g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new Error(`${name}: paramGroups[${i}].initialLr is not set; it is needed when resuming (lastEpoch ${lastEpoch})`);
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** The chainable update: each group's next lr from its current one (lastEpoch already advanced). */
  protected abstract getLr(): number[];

  /** The lr at `lastEpoch` computed directly, for step(epoch); null where the schedule has none. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /** Resets the step count and performs the first step (constructors call it; so does SequentialLR). */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /**
   * Advances one epoch and sets every group's lr. With `epoch`, jumps there instead (PyTorch's
   * deprecated form, used by SequentialLR at its milestones), through the closed form where one exists.
   */
  step(epoch?: number): void {
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    this.setLrs(values);
  }

  /** Writes lrs into the param groups and remembers them for getLastLr(). */
  protected setLrs(values: number[]): void {
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = values[i]));
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The current lr of each group (as set by the last step). */
  protected currentLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The lrs the last step set, one per param group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Progress fields beyond the base ones (epoch counter, base and last lrs). */
  protected extraState(): SchedulerStateDict {
    return {};
  }

  /** Restores what extraState() saved. */
  protected loadExtraState(_state: SchedulerStateDict): void {}

  /** The schedule's progress as JSON (load it into a scheduler built with the same arguments). */
  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch, stepCount: this.stepCount, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr], ...this.extraState() };
  }

  /** Restores progress saved by stateDict(); load the optimizer's state too, since the lrs live in its groups. */
  loadStateDict(state: SchedulerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    const n = this.optimizer.paramGroups.length;
    const lastEpoch = stateNumber(op, state, "lastEpoch");
    const stepCount = stateNumber(op, state, "stepCount");
    const baseLrs = numberArray(op, "baseLrs", state.baseLrs, n);
    const lastLr = numberArray(op, "lastLr", state.lastLr, n);
    this.loadExtraState(state);
    this.lastEpoch = lastEpoch;
    this.stepCount = stepCount;
    this.baseLrs = [...baseLrs];
    this.lastLr = [...lastLr];
  }
}

/** Index of the first element of the sorted `xs` greater than x (Python's bisect_right). */
export function bisectRight(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < xs[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
