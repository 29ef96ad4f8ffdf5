// Adam (L2 weight decay folded into the gradient) and AdamW (decoupled weight decay), with amsgrad and
// maximize. The common case runs the engine's fused kernel over the whole group (adamStepMulti_); amsgrad
// and maximize run per parameter.
import { adamStep_, adamStepMulti_, div, maximum, neg, sqrt, zerosLike, type Tensor } from "../tensor/index.js";
import { checkOption, Optimizer, withDefaults, type GroupOptions, type ParamGroup, type ParamState, type Params } from "./optimizer.js";
import { addcdiv_, addcmul_, effectiveGrad } from "./update-ops.js";

/** Adam's and AdamW's per-group options. */
export interface AdamGroupOptions extends GroupOptions {
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas: readonly [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay of the weights (default 0.01). */
  weightDecay: number;
  /** Use the maximum of past second moments (AMSGrad). */
  amsgrad: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
  /** Use the backend's fused kernel when the options allow it (default true; amsgrad always runs unfused). */
  fused: boolean;
}

/** Options of `new Adam(params, options)` / `new AdamW(...)`; every field has a default. */
export type AdamOptions = Partial<AdamGroupOptions>;

function checkAdam(op: string, o: AdamGroupOptions): void {
  checkOption(op, "lr", o.lr, 0);
  checkOption(op, "eps", o.eps, 0);
  if (!Array.isArray(o.betas) || o.betas.length !== 2) throw new Error(`${op}: betas must be a pair [beta1, beta2]`);
  checkOption(op, "betas[0]", o.betas[0], 0, 1, false);
  checkOption(op, "betas[1]", o.betas[1], 0, 1, false);
  checkOption(op, "weightDecay", o.weightDecay, 0);
}

/**
 * What Adam and AdamW share: the moment buffers (state: exp_avg, exp_avg_sq, and max_exp_avg_sq with
 * amsgrad) and the update; they differ only in how weight decay is applied.
 */
export abstract class AdamBase extends Optimizer<AdamGroupOptions> {
  /** Decay the weights directly (AdamW) rather than adding weightDecay·p to the gradient (Adam). */
  protected abstract readonly decoupled: boolean;

  protected checkOptions(o: AdamGroupOptions): void {
    checkAdam(this.name, o);
  }

  protected updateGroup(group: ParamGroup<AdamGroupOptions>): void {
    if (!group.fused || group.amsgrad || group.maximize) {
      this.forEachWithGrad(group, (p, grad, state) => this.update(group, p, grad, state));
      return;
    }
    // the fused case updates the whole group at once (one launch on a GPU), batched by step count
    // because bias correction depends on it
    const byStep = new Map<number, { p: Tensor[]; g: Tensor[]; m: Tensor[]; v: Tensor[] }>();
    this.forEachWithGrad(group, (p, grad, state) => {
      const [m, v] = this.moments(p, state);
      state.step += 1;
      const b = byStep.get(state.step) ?? { p: [], g: [], m: [], v: [] };
      byStep.set(state.step, b);
      b.p.push(p);
      b.g.push(grad);
      b.m.push(m);
      b.v.push(v);
    });
    const [beta1, beta2] = group.betas;
    for (const [step, b] of byStep) {
      adamStepMulti_(b.p, b.g, b.m, b.v, { lr: group.lr, beta1, beta2, eps: group.eps, weightDecay: group.weightDecay, decoupled: this.decoupled, step });
    }
  }

  /** The first and second moment buffers of p, created (zero) on its first update. */
  private moments(p: Tensor, state: ParamState): [Tensor, Tensor] {
    const m = state.buffers.exp_avg ?? this.setBuffer(state, "exp_avg", zerosLike(p));
    const v = state.buffers.exp_avg_sq ?? this.setBuffer(state, "exp_avg_sq", zerosLike(p));
    return [m, v];
  }

  private update(group: AdamGroupOptions, p: Tensor, grad: Tensor, state: ParamState): void {
    const { lr, eps, weightDecay, amsgrad, maximize, fused } = group;
    const [beta1, beta2] = group.betas;
    const [m, v] = this.moments(p, state);
    state.step += 1;
    const step = state.step;
    if (fused && !amsgrad) {
      adamStep_(p, maximize ? neg(grad) : grad, m, v, { lr, beta1, beta2, eps, weightDecay, decoupled: this.decoupled, step });
      return;
    }
    if (this.decoupled && weightDecay !== 0) p.mul_(1 - lr * weightDecay);
    const g = effectiveGrad(grad, p, this.decoupled ? 0 : weightDecay, maximize);
    m.mul_(beta1).add_(g, 1 - beta1);
    addcmul_(v.mul_(beta2), g, g, 1 - beta2);
    const stepSize = lr / (1 - beta1 ** step);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
    let second = v;
    if (amsgrad) {
      const vMax = state.buffers.max_exp_avg_sq ?? this.setBuffer(state, "max_exp_avg_sq", zerosLike(p));
      vMax.copy_(maximum(vMax, v));
      second = vMax;
    }
    const denom = div(sqrt(second), bc2Sqrt).add_(eps);
    addcdiv_(p, m, denom, -stepSize);
  }
}

/**
 * torch.optim.Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·m̂ / (√v̂ + eps), with weight
 * decay as an L2 term added to g.
 */
export class Adam extends AdamBase {
  protected readonly decoupled = false;

  constructor(params: Params<AdamGroupOptions>, options: AdamOptions = {}) {
    super("Adam", params, withDefaults<AdamGroupOptions>("Adam", { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, fused: true }, options));
  }
}

/**
 * torch.optim.AdamW: Adam with decoupled weight decay, p ← p·(1 − lr·weightDecay) before the Adam
 * step; weightDecay defaults to 0.01.
 */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;

  constructor(params: Params<AdamGroupOptions>, options: AdamOptions = {}) {
    super("AdamW", params, withDefaults<AdamGroupOptions>("AdamW", { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false, fused: true }, options));
  }
}
