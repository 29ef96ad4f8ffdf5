// Running a network as a policy: batched forward passes on host observations, greedy evaluation.
import { noGrad } from "../autograd/index.js";
import type { Module } from "../nn/index.js";
import { scope, tensor } from "../tensor/index.js";
import type { Env } from "./env.js";

/** The network's outputs for a batch of observations, as host rows (no graph is recorded). */
export function forwardObservations(net: Module, obs: readonly (readonly number[])[]): Float32Array[] {
  const width = obs[0].length;
  const flat = new Float32Array(obs.length * width);
  obs.forEach((o, i) => flat.set(o, i * width));
  const out = scope(() => noGrad(() => net.forward(tensor(flat, { shape: [obs.length, width] })).dataSync() as Float32Array));
  const k = out.length / obs.length;
  return obs.map((_, i) => out.slice(i * k, (i + 1) * k));
}

/** The index of the largest entry. */
export function argmaxOf(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/**
 * Returns of `episodes` episodes acting greedily (argmax of the network's outputs), episode i seeded
 * seed + i. All episodes run side by side so each time step is one batched forward pass.
 */
export function evaluateGreedy(makeEnv: () => Env<number[], number>, net: Module, episodes: number, seed = 10_000): number[] {
  const envs = Array.from({ length: episodes }, makeEnv);
  const obs = envs.map((e, i) => e.reset(seed + i));
  const returns = new Array<number>(episodes).fill(0);
  let live = envs.map((_, i) => i);
  while (live.length > 0) {
    const outs = forwardObservations(net, live.map((i) => obs[i]));
    live = live.filter((i, k) => {
      const r = envs[i].step(argmaxOf(outs[k]));
      returns[i] += r.reward;
      obs[i] = r.observation;
      return !(r.terminated || r.truncated);
    });
  }
  return returns;
}

/** The mean of a list (NaN when empty). */
export function meanOf(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((s, x) => s + x, 0) / xs.length;
}
