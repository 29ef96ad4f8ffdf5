// Adagrad with learning-rate decay and an initial accumulator value (torch.optim.Adagrad).
import { add, fullLike, sqrt } from "../tensor/index.js";
import { checkOption, Optimizer, withDefaults, type GroupOptions, type ParamGroup, type Params } from "./optimizer.js";
import { addcdiv_, addcmul_, effectiveGrad } from "./update-ops.js";

/** Adagrad's per-group options. */
export interface AdagradGroupOptions extends GroupOptions {
  /** The step-k learning rate is lr / (1 + (k−1)·lrDecay) (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator for stability (default 1e-10). */
  eps: number;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

/** Options of `new Adagrad(params, options)`; every field has a default (lr 0.01). */
export type AdagradOptions = Partial<AdagradGroupOptions>;

/** torch.optim.Adagrad: sum ← sum + g², p ← p − clr·g / (√sum + eps). State: sum. */
export class Adagrad extends Optimizer<AdagradGroupOptions> {
  constructor(params: Params<AdagradGroupOptions>, options: AdagradOptions = {}) {
    super("Adagrad", params, withDefaults<AdagradGroupOptions>("Adagrad", { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false }, options));
  }

  protected checkOptions(o: AdagradGroupOptions): void {
    checkOption("Adagrad", "lr", o.lr, 0);
    checkOption("Adagrad", "lrDecay", o.lrDecay, 0);
    checkOption("Adagrad", "weightDecay", o.weightDecay, 0);
    checkOption("Adagrad", "initialAccumulatorValue", o.initialAccumulatorValue, 0);
    checkOption("Adagrad", "eps", o.eps, 0);
  }

  protected updateGroup(group: ParamGroup<AdagradGroupOptions>): void {
    const { lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize } = group;
    this.forEachWithGrad(group, (p, grad, state) => {
      const sum = state.buffers.sum ?? this.setBuffer(state, "sum", fullLike(p, initialAccumulatorValue));
      state.step += 1;
      const g = effectiveGrad(grad, p, weightDecay, maximize);
      const clr = lr / (1 + (state.step - 1) * lrDecay);
      addcmul_(sum, g, g);
      addcdiv_(p, g, add(sqrt(sum), eps), -clr);
    });
  }
}
