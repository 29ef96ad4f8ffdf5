// Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay (torch.optim.SGD).
import { add, clone, mul } from "../tensor/index.js";
import { checkOption, Optimizer, withDefaults, type GroupOptions, type ParamGroup, type Params } from "./optimizer.js";
import { effectiveGrad } from "./update-ops.js";

/** SGD's per-group options. */
export interface SGDGroupOptions extends GroupOptions {
  /** Momentum factor (default 0: plain SGD). */
  momentum: number;
  /** Dampening of the gradient added to the momentum buffer (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

/** Options of `new SGD(params, options)`: lr is required, as in PyTorch 1.13. */
export type SGDOptions = Partial<SGDGroupOptions> & { lr: number };

/**
 * torch.optim.SGD: with momentum μ, buf ← μ·buf + (1−dampening)·g (buf starts as g), and the step
 * is −lr·buf (or −lr·(g + μ·buf) with Nesterov). State: `momentum_buffer` when momentum ≠ 0.
 */
export class SGD extends Optimizer<SGDGroupOptions> {
  constructor(params: Params<SGDGroupOptions>, options: SGDOptions) {
    if (options === undefined || typeof options.lr !== "number") throw new Error("SGD: options.lr is required");
    super("SGD", params, withDefaults<SGDGroupOptions>("SGD", { lr: options.lr, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }, options));
  }

  protected checkOptions(o: SGDGroupOptions): void {
    checkOption("SGD", "lr", o.lr, 0);
    checkOption("SGD", "momentum", o.momentum, 0);
    checkOption("SGD", "weightDecay", o.weightDecay, 0);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) throw new Error("SGD: nesterov momentum requires momentum > 0 and dampening = 0");
  }

  protected updateGroup(group: ParamGroup<SGDGroupOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    this.forEachWithGrad(group, (p, grad, state) => {
      state.step += 1;
      let d = effectiveGrad(grad, p, weightDecay, maximize);
      if (momentum !== 0) {
        let buf = state.buffers.momentum_buffer;
        if (!buf) buf = this.setBuffer(state, "momentum_buffer", clone(d));
        else buf.mul_(momentum).add_(d, 1 - dampening);
        d = nesterov ? add(d, mul(buf, momentum)) : buf;
      }
      p.add_(d, -lr);
    });
  }
}
