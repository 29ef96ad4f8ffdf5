// Adadelta (torch.optim.Adadelta).
import { add, div, mul, sqrt, zerosLike } from "../tensor/index.js";
import { checkOption, Optimizer, withDefaults, type GroupOptions, type ParamGroup, type Params } from "./optimizer.js";
import { addcmul_, effectiveGrad } from "./update-ops.js";

/** Adadelta's per-group options. */
export interface AdadeltaGroupOptions extends GroupOptions {
  /** Decay rate of the running averages (default 0.9). */
  rho: number;
  /** Added inside the square roots for stability (default 1e-6). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

/** Options of `new Adadelta(params, options)`; every field has a default (lr 1.0). */
export type AdadeltaOptions = Partial<AdadeltaGroupOptions>;

/**
 * torch.optim.Adadelta: s ← ρs + (1−ρ)g², Δ = √(a + eps)/√(s + eps)·g, a ← ρa + (1−ρ)Δ², p ← p − lr·Δ.
 * State: square_avg, acc_delta.
 */
export class Adadelta extends Optimizer<AdadeltaGroupOptions> {
  constructor(params: Params<AdadeltaGroupOptions>, options: AdadeltaOptions = {}) {
    super("Adadelta", params, withDefaults<AdadeltaGroupOptions>("Adadelta", { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false }, options));
  }

  protected checkOptions(o: AdadeltaGroupOptions): void {
    checkOption("Adadelta", "lr", o.lr, 0);
    checkOption("Adadelta", "rho", o.rho, 0, 1);
    checkOption("Adadelta", "eps", o.eps, 0);
    checkOption("Adadelta", "weightDecay", o.weightDecay, 0);
  }

  protected updateGroup(group: ParamGroup<AdadeltaGroupOptions>): void {
    const { lr, rho, eps, weightDecay, maximize } = group;
    this.forEachWithGrad(group, (p, grad, state) => {
      const sq = state.buffers.square_avg ?? this.setBuffer(state, "square_avg", zerosLike(p));
      const acc = state.buffers.acc_delta ?? this.setBuffer(state, "acc_delta", zerosLike(p));
      state.step += 1;
      const g = effectiveGrad(grad, p, weightDecay, maximize);
      addcmul_(sq.mul_(rho), g, g, 1 - rho);
      const std = sqrt(add(sq, eps));
      const delta = mul(div(sqrt(add(acc, eps)), std), g);
      addcmul_(acc.mul_(rho), delta, delta, 1 - rho);
      p.add_(delta, -lr);
    });
  }
}
