import type { AdamParams } from "../backend.js";
import { f32, type Storage } from "../storage.js";

export function adamStep(param: Storage, grad: Storage, m: Storage, v: Storage, n: number, p: AdamParams): void {
  const P = f32(param);
  const G = f32(grad);
  const M = f32(m);
  const V = f32(v);
  const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = p;
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2 = 1 - Math.pow(beta2, step);
  const stepSize = lr / bc1;
  const sqrtBc2 = Math.sqrt(bc2);
  for (let i = 0; i < n; i++) {
    let g = G[i];
    if (weightDecay !== 0) {
      if (decoupled) P[i] *= 1 - lr * weightDecay;
      else g += weightDecay * P[i];
    }
    const mi = (M[i] = beta1 * M[i] + (1 - beta1) * g);
    const vi = (V[i] = beta2 * V[i] + (1 - beta2) * g * g);
    P[i] -= (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
  }
}
