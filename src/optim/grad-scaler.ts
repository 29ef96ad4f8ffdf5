// Dynamic loss scaling (PyTorch's torch.amp.GradScaler): the loss is multiplied by a large scale so
// small gradients survive a narrow float format, the gradients are divided back before the update, and
// a step whose gradients overflowed is skipped while the scale backs off. After growthInterval clean
// steps the scale grows again, so it settles just below where gradients overflow.
import { noGrad } from "../autograd/index.js";
import { mul, scope, stack, type Tensor } from "../tensor/index.js";
import type { Optimizer } from "./optimizer.js";

export interface GradScalerOptions {
  /** Starting scale (default 2^16). */
  initScale?: number;
  /** Factor the scale grows by after growthInterval steps without overflow (default 2). */
  growthFactor?: number;
  /** Factor the scale shrinks by on a step that overflowed (default 0.5). */
  backoffFactor?: number;
  /** Clean steps before the scale grows (default 2000). */
  growthInterval?: number;
  /** When false every method passes through: scale() returns the loss, step() just steps (default true). */
  enabled?: boolean;
}

/** What `stateDict()` returns and `loadStateDict()` takes, with PyTorch's keys. */
export interface GradScalerState {
  scale: number;
  growth_factor: number;
  backoff_factor: number;
  growth_interval: number;
  _growth_tracker: number;
}

type Stage = "ready" | "unscaled" | "stepped";

/**
 * Scales losses and unscales gradients for mixed-precision training:
 *
 *     const scaler = new GradScaler();
 *     scaler.scale(loss).backward();
 *     scaler.step(opt);   // skipped if any gradient is inf or NaN
 *     scaler.update();
 */
export class GradScaler {
  #scale: number;
  #growthTracker = 0;
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  readonly enabled: boolean;
  readonly #perOptimizer = new Map<Optimizer, { stage: Stage; foundInf: boolean }>();

  constructor(opts: GradScalerOptions = {}) {
    this.#scale = opts.initScale ?? 2 ** 16;
    this.growthFactor = opts.growthFactor ?? 2;
    this.backoffFactor = opts.backoffFactor ?? 0.5;
    this.growthInterval = opts.growthInterval ?? 2000;
    this.enabled = opts.enabled ?? true;
    const positive = (name: string, v: number): void => {
      if (!(Number.isFinite(v) && v > 0)) throw new Error(`GradScaler: ${name} must be a positive finite number, got ${v}`);
    };
    positive("initScale", this.#scale);
    if (!(this.growthFactor > 1)) throw new Error(`GradScaler: growthFactor must be > 1, got ${this.growthFactor}`);
    if (!(this.backoffFactor > 0 && this.backoffFactor < 1)) throw new Error(`GradScaler: backoffFactor must be in (0, 1), got ${this.backoffFactor}`);
    if (!(Number.isInteger(this.growthInterval) && this.growthInterval >= 1)) throw new Error(`GradScaler: growthInterval must be a positive integer, got ${this.growthInterval}`);
  }

  /** The current scale (PyTorch's get_scale). */
  getScale(): number {
    return this.enabled ? this.#scale : 1;
  }

  /** loss · scale, to call backward() on. */
  scale(loss: Tensor): Tensor {
    return this.enabled ? mul(loss, this.#scale) : loss;
  }

  /**
   * Divides the optimizer's gradients by the scale in place and notes whether any is inf or NaN. Call it
   * before clipping gradients; step() calls it if you did not. Once per optimizer between update()s.
   */
  unscale_(optimizer: Optimizer): void {
    if (!this.enabled) return;
    const st = this.#stateOf(optimizer);
    if (st.stage === "unscaled") throw new Error("GradScaler.unscale_: already called on this optimizer since the last update()");
    if (st.stage === "stepped") throw new Error("GradScaler.unscale_: called after step(); call update() first");
    const grads = optimizer.paramGroups.flatMap((g) => g.params).flatMap((p) => (p.grad ? [p.grad] : []));
    const inv = 1 / this.#scale;
    // x·0 is 0 for finite x and NaN for ±inf and NaN, so one sum per gradient flags any overflow and a
    // single read at the end syncs the device once
    st.foundInf = grads.length > 0 && noGrad(() => scope(() => {
      const flags = grads.map((g) => g.mul_(inv).mul(0).sum());
      return !Number.isFinite(stack(flags).sum().item());
    }));
    st.stage = "unscaled";
  }

  /**
   * Unscales (unless unscale_ was called) and runs optimizer.step() if every gradient is finite; otherwise
   * skips it. Returns whether the step ran.
   */
  step(optimizer: Optimizer): boolean {
    if (!this.enabled) {
      optimizer.step();
      return true;
    }
    const st = this.#stateOf(optimizer);
    if (st.stage === "stepped") throw new Error("GradScaler.step: already called on this optimizer since the last update()");
    if (st.stage === "ready") this.unscale_(optimizer);
    st.stage = "stepped";
    if (st.foundInf) return false;
    optimizer.step();
    return true;
  }

  /**
   * Adjusts the scale for the next iteration: backs off if any optimizer saw inf/NaN since the last
   * update, grows after growthInterval clean steps. With `newScale` sets it outright.
   */
  update(newScale?: number): void {
    if (!this.enabled) return;
    if (newScale !== undefined) {
      if (!(Number.isFinite(newScale) && newScale > 0)) throw new Error(`GradScaler.update: newScale must be a positive finite number, got ${newScale}`);
      this.#scale = newScale;
    } else {
      if (this.#perOptimizer.size === 0) throw new Error("GradScaler.update: no optimizer was stepped (or unscaled) since the last update()");
      const overflow = [...this.#perOptimizer.values()].some((s) => s.foundInf);
      if (overflow) {
        this.#scale *= this.backoffFactor;
        this.#growthTracker = 0;
      } else if (++this.#growthTracker === this.growthInterval) {
        this.#scale *= this.growthFactor;
        this.#growthTracker = 0;
      }
    }
    this.#perOptimizer.clear();
  }

  stateDict(): GradScalerState {
    return { scale: this.#scale, growth_factor: this.growthFactor, backoff_factor: this.backoffFactor, growth_interval: this.growthInterval, _growth_tracker: this.#growthTracker };
  }

  /** Restores scale and growth tracker (factors and interval come from the constructor, as in PyTorch they must match). */
  loadStateDict(s: GradScalerState): void {
    if (!(Number.isFinite(s.scale) && s.scale > 0)) throw new Error(`GradScaler.loadStateDict: scale must be a positive finite number, got ${s.scale}`);
    if (!(Number.isInteger(s._growth_tracker) && s._growth_tracker >= 0)) throw new Error(`GradScaler.loadStateDict: _growth_tracker must be a non-negative integer, got ${s._growth_tracker}`);
    this.#scale = s.scale;
    this.#growthTracker = s._growth_tracker;
  }

  #stateOf(optimizer: Optimizer): { stage: Stage; foundInf: boolean } {
    let st = this.#perOptimizer.get(optimizer);
    if (!st) {
      st = { stage: "ready", foundInf: false };
      this.#perOptimizer.set(optimizer, st);
    }
    return st;
  }
}
