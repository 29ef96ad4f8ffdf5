// Annealing schedules: CosineAnnealingLR, CosineAnnealingWarmRestarts (SGDR) and OneCycleLR.
import type { Optimizer, ParamGroup } from "./optimizer.js";
import { checkPositiveInt, LRScheduler, stateNumber, type SchedulerOptions, type SchedulerStateDict } from "./lr-scheduler.js";

/** Options of CosineAnnealingLR. */
export interface CosineAnnealingLROptions extends SchedulerOptions {
  /** Half-period in epochs: the lr reaches etaMin after tMax epochs (and climbs back after 2·tMax). */
  tMax: number;
  /** Minimum lr (default 0). */
  etaMin?: number;
}

/** Anneals each group's lr from its initial value to etaMin along a half cosine over tMax epochs (torch CosineAnnealingLR). */
export class CosineAnnealingLR extends LRScheduler {
  private readonly tMax: number;
  private readonly etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super(optimizer, options.lastEpoch, "CosineAnnealingLR");
    checkPositiveInt("CosineAnnealingLR", "tMax", options.tMax);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    this.initialStep();
  }

  // PyTorch's recursive form, branch for branch, so the lrs match it to the last bit
  protected getLr(): number[] {
    const { tMax: T, etaMin, lastEpoch: k } = this;
    if (k === 0) return this.currentLrs();
    if (this.stepCount === 1 && k > 0) return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((k * Math.PI) / T))) / 2);
    if ((k - 1 - T) % (2 * T) === 0) {
      return this.currentLrs().map((lr, i) => lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return this.currentLrs().map((lr) => ((1 + Math.cos((Math.PI * k) / T)) / (1 + Math.cos((Math.PI * (k - 1)) / T))) * (lr - etaMin) + etaMin);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}

/** Options of CosineAnnealingWarmRestarts. */
export interface CosineAnnealingWarmRestartsOptions extends SchedulerOptions {
  /** Epochs until the first restart. */
  t0: number;
  /** Each period is tMult times the previous one (integer, default 1). */
  tMult?: number;
  /** Minimum lr (default 0). */
  etaMin?: number;
}

/**
 * Cosine annealing with warm restarts (SGDR, torch CosineAnnealingWarmRestarts): the lr anneals from
 * its initial value to etaMin over t0 epochs, jumps back, and repeats with periods growing by tMult.
 * step(epoch) accepts fractional epochs (e.g. epoch + batch / batches).
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  private readonly t0: number;
  private readonly tMult: number;
  private readonly etaMin: number;
  /** Length of the current period. */
  private tI: number;
  /** Epochs since the last restart. */
  private tCur: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingWarmRestartsOptions) {
    super(optimizer, options.lastEpoch, "CosineAnnealingWarmRestarts");
    checkPositiveInt("CosineAnnealingWarmRestarts", "t0", options.t0);
    const tMult = options.tMult ?? 1;
    if (!Number.isInteger(tMult) || tMult < 1) throw new Error(`CosineAnnealingWarmRestarts: tMult must be an integer >= 1, got ${tMult}`);
    this.t0 = options.t0;
    this.tI = options.t0;
    this.tMult = tMult;
    this.etaMin = options.etaMin ?? 0;
    this.tCur = this.lastEpoch;
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2);
  }

  override step(epoch?: number): void {
    let e: number;
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      e = this.lastEpoch + 1;
      this.tCur += 1;
      if (this.tCur >= this.tI) {
        this.tCur -= this.tI;
        this.tI *= this.tMult;
      }
    } else {
      if (!(epoch >= 0)) throw new Error(`CosineAnnealingWarmRestarts: expected a non-negative epoch, got ${epoch}`);
      e = epoch;
      if (epoch >= this.t0) {
        if (this.tMult === 1) {
          this.tCur = epoch % this.t0;
        } else {
          const n = Math.trunc(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
          this.tCur = epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
          this.tI = this.t0 * this.tMult ** n;
        }
      } else {
        this.tI = this.t0;
        this.tCur = epoch;
      }
    }
    this.stepCount++;
    this.lastEpoch = Math.floor(e);
    this.setLrs(this.getLr());
  }

  protected override extraState(): SchedulerStateDict {
    return { tI: this.tI, tCur: this.tCur };
  }

  protected override loadExtraState(state: SchedulerStateDict): void {
    const op = "CosineAnnealingWarmRestarts.loadStateDict";
    this.tI = stateNumber(op, state, "tI");
    this.tCur = stateNumber(op, state, "tCur");
  }
}

/** Options of OneCycleLR: give totalSteps, or epochs and stepsPerEpoch. */
export interface OneCycleLROptions extends SchedulerOptions {
  /** Peak lr, one for all groups or one per group. */
  maxLr: number | readonly number[];
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** "cos" (default) or "linear". */
  annealStrategy?: "cos" | "linear";
  /** Cycle momentum (SGD's momentum, or Adam's beta1) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Momentum at the lr peak (default 0.85); one value or one per group. */
  baseMomentum?: number | readonly number[];
  /** Momentum at the start and end (default 0.95); one value or one per group. */
  maxMomentum?: number | readonly number[];
  /** The initial lr is maxLr / divFactor (default 25). */
  divFactor?: number;
  /** The final lr is initial lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** A third phase annealing from the initial lr to the final one, as in fastai's original (default false). */
  threePhase?: boolean;
}

type Anchor = "initial" | "max" | "min";
type MomentumAnchor = "max" | "base";

interface Phase {
  endStep: number;
  startLr: Anchor;
  endLr: Anchor;
  startMomentum: MomentumAnchor;
  endMomentum: MomentumAnchor;
}

type MomentumGroup = ParamGroup & { momentum?: number; betas?: readonly number[] };

function perGroup(op: string, name: string, v: number | readonly number[], n: number): number[] {
  if (typeof v === "number") return Array.from({ length: n }, () => v);
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === "number")) throw new Error(`${op}: ${name} must be a number or an array of ${n} numbers (one per param group)`);
  return [...v];
}

/**
 * The 1cycle policy (torch OneCycleLR): the lr climbs from maxLr/divFactor to maxLr, then anneals to
 * a much smaller final lr, over totalSteps steps (call step() after every batch); momentum moves the
 * opposite way. Stepping past totalSteps throws.
 */
export class OneCycleLR extends LRScheduler {
  private readonly totalSteps: number;
  private readonly pctStart: number;
  private readonly phases: Phase[];
  private readonly anneal: (start: number, end: number, pct: number) => number;
  private readonly anchors: Record<Anchor, number[]>;
  private readonly momenta: Record<MomentumAnchor, number[]> | null;
  private readonly useBeta1: boolean;

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    const op = "OneCycleLR";
    const n = optimizer.paramGroups.length;
    let totalSteps: number;
    if (options.totalSteps !== undefined) {
      checkPositiveInt(op, "totalSteps", options.totalSteps);
      totalSteps = options.totalSteps;
    } else if (options.epochs !== undefined && options.stepsPerEpoch !== undefined) {
      checkPositiveInt(op, "epochs", options.epochs);
      checkPositiveInt(op, "stepsPerEpoch", options.stepsPerEpoch);
      totalSteps = options.epochs * options.stepsPerEpoch;
    } else {
      throw new Error(`${op}: give totalSteps, or epochs and stepsPerEpoch`);
    }
    const pctStart = options.pctStart ?? 0.3;
    if (!(pctStart >= 0 && pctStart <= 1)) throw new Error(`${op}: pctStart must be in [0, 1], got ${pctStart}`);
    const strategy = options.annealStrategy ?? "cos";
    if (strategy !== "cos" && strategy !== "linear") throw new Error(`${op}: annealStrategy must be "cos" or "linear", got ${String(strategy)}`);
    const divFactor = options.divFactor ?? 25;
    const finalDivFactor = options.finalDivFactor ?? 1e4;
    const maxLrs = perGroup(op, "maxLr", options.maxLr, n);
    const initial = maxLrs.map((m) => m / divFactor);
    const lastEpoch = options.lastEpoch ?? -1;
    // the schedule starts at maxLr/divFactor, so that becomes the groups' initialLr (overwritten, as in PyTorch)
    if (lastEpoch === -1) optimizer.paramGroups.forEach((g, i) => (g.initialLr = initial[i]));
    super(optimizer, lastEpoch, op);

    this.totalSteps = totalSteps;
    this.pctStart = pctStart;
    this.anchors = { initial, max: maxLrs, min: initial.map((x) => x / finalDivFactor) };
    this.phases = options.threePhase
      ? [
          { endStep: pctStart * totalSteps - 1, startLr: "initial", endLr: "max", startMomentum: "max", endMomentum: "base" },
          { endStep: 2 * pctStart * totalSteps - 2, startLr: "max", endLr: "initial", startMomentum: "base", endMomentum: "max" },
          { endStep: totalSteps - 1, startLr: "initial", endLr: "min", startMomentum: "max", endMomentum: "max" },
        ]
      : [
          { endStep: pctStart * totalSteps - 1, startLr: "initial", endLr: "max", startMomentum: "max", endMomentum: "base" },
          { endStep: totalSteps - 1, startLr: "max", endLr: "min", startMomentum: "base", endMomentum: "max" },
        ];
    this.anneal =
      strategy === "cos"
        ? (start, end, pct) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1)
        : (start, end, pct) => (end - start) * pct + start;

    const cycle = options.cycleMomentum ?? true;
    this.useBeta1 = "betas" in optimizer.defaults;
    if (cycle) {
      if (!("momentum" in optimizer.defaults) && !this.useBeta1) throw new Error(`${op}: cycleMomentum needs an optimizer with momentum or betas (pass cycleMomentum: false)`);
      const max = perGroup(op, "maxMomentum", options.maxMomentum ?? 0.95, n);
      const base = perGroup(op, "baseMomentum", options.baseMomentum ?? 0.85, n);
      this.momenta = { max, base };
      if (lastEpoch === -1) optimizer.paramGroups.forEach((g, i) => this.setMomentum(g, max[i]));
    } else {
      this.momenta = null;
    }
    this.initialStep();
  }

  private setMomentum(group: MomentumGroup, m: number): void {
    if (this.useBeta1) group.betas = [m, ...(group.betas ?? [0.999]).slice(1)];
    else group.momentum = m;
  }

  protected getLr(): number[] {
    const k = this.lastEpoch;
    if (k > this.totalSteps) throw new Error(`OneCycleLR: tried to step ${k + 1} times; the specified number of total steps is ${this.totalSteps}`);
    return this.optimizer.paramGroups.map((group, i) => {
      let start = 0;
      for (const [j, phase] of this.phases.entries()) {
        if (k <= phase.endStep || j === this.phases.length - 1) {
          if (phase.endStep === start) throw new Error(`OneCycleLR: phase ${j} of the cycle is empty (pctStart ${this.pctStart} of ${this.totalSteps} steps); change pctStart or totalSteps`);
          const pct = (k - start) / (phase.endStep - start);
          if (this.momenta) this.setMomentum(group, this.anneal(this.momenta[phase.startMomentum][i], this.momenta[phase.endMomentum][i], pct));
          return this.anneal(this.anchors[phase.startLr][i], this.anchors[phase.endLr][i], pct);
        }
        start = phase.endStep;
      }
      throw new Error("OneCycleLR: unreachable: the last phase always matches");
    });
  }
}
