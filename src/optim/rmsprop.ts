// RMSprop with momentum and the centered variant (torch.optim.RMSprop).
import { add, sqrt, sub, mul, zerosLike } from "../tensor/index.js";
import { checkOption, Optimizer, withDefaults, type GroupOptions, type ParamGroup, type Params } from "./optimizer.js";
import { addcdiv_, addcmul_, effectiveGrad } from "./update-ops.js";

/** RMSprop's per-group options. */
export interface RMSpropGroupOptions extends GroupOptions {
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalise by the estimated variance (E[g²] − E[g]²) instead of E[g²]. */
  centered: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

/** Options of `new RMSprop(params, options)`; every field has a default (lr 0.01). */
export type RMSpropOptions = Partial<RMSpropGroupOptions>;

/**
 * torch.optim.RMSprop: s ← αs + (1−α)g², step −lr·g / (√s + eps) (through a momentum buffer when
 * momentum > 0). State: square_avg, plus momentum_buffer and grad_avg when used.
 */
export class RMSprop extends Optimizer<RMSpropGroupOptions> {
  constructor(params: Params<RMSpropGroupOptions>, options: RMSpropOptions = {}) {
    super("RMSprop", params, withDefaults<RMSpropGroupOptions>("RMSprop", { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }, options));
  }

  protected checkOptions(o: RMSpropGroupOptions): void {
    checkOption("RMSprop", "lr", o.lr, 0);
    checkOption("RMSprop", "eps", o.eps, 0);
    checkOption("RMSprop", "momentum", o.momentum, 0);
    checkOption("RMSprop", "weightDecay", o.weightDecay, 0);
    checkOption("RMSprop", "alpha", o.alpha, 0);
  }

  protected updateGroup(group: ParamGroup<RMSpropGroupOptions>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    this.forEachWithGrad(group, (p, grad, state) => {
      state.step += 1;
      const g = effectiveGrad(grad, p, weightDecay, maximize);
      const sq = state.buffers.square_avg ?? this.setBuffer(state, "square_avg", zerosLike(p));
      addcmul_(sq.mul_(alpha), g, g, 1 - alpha);
      let avg;
      if (centered) {
        const ga = state.buffers.grad_avg ?? this.setBuffer(state, "grad_avg", zerosLike(p));
        ga.mul_(alpha).add_(g, 1 - alpha);
        avg = sqrt(sub(sq, mul(ga, ga)));
      } else {
        avg = sqrt(sq);
      }
      avg = add(avg, eps);
      if (momentum > 0) {
        const buf = state.buffers.momentum_buffer ?? this.setBuffer(state, "momentum_buffer", zerosLike(p));
        addcdiv_(buf.mul_(momentum), g, avg);
        p.add_(buf, -lr);
      } else {
        addcdiv_(p, g, avg, -lr);
      }
    });
  }
}
