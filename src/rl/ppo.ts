// PPO (Schulman et al. 2017): clipped surrogate objective, GAE(λ) advantages, a value head and an
// entropy bonus, with several parallel environments feeding each rollout.
import { mseLoss } from "../losses/index.js";
import type { Sequential } from "../nn/index.js";
import { Adam, clipGradNorm_ } from "../optim/index.js";
import {
  add, clamp, exp, gather, logSoftmax, manualSeed, mean, minimum, mul, neg, scope, softmax, squeeze, sub, sum, tensor,
} from "../tensor/index.js";
import type { Env } from "./env.js";
import { mlp } from "./mlp.js";
import { forwardObservations } from "./policy.js";
import { Rng } from "./rng.js";


/** Options of trainPpo (defaults follow the RL Zoo's CartPole-v1 settings). */
export interface PpoOptions {
  /** Environment steps to train for (summed over the parallel environments). */
  totalSteps: number;
  /** Parallel environments. */
  nEnvs?: number;
  /** Steps per environment per rollout. */
  nSteps?: number;
  /** Optimisation passes over each rollout. */
  epochs?: number;
  batchSize?: number;
  /** Adam's learning rate, decayed linearly to 0 over training. */
  lr?: number;
  gamma?: number;
  gaeLambda?: number;
  /** The ratio clip ε, decayed linearly to 0 like the learning rate. */
  clip?: number;
  valueCoef?: number;
  entropyCoef?: number;
  maxGradNorm?: number;
  hidden?: number[];
  seed?: number;
  /** Called after each rollout + update. */
  onUpdate?: (info: { step: number; update: number; meanReturn: number; policyLoss: number; valueLoss: number; entropy: number }) => void;
}

/** What trainPpo returns. */
export interface PpoResult {
  policy: Sequential;
  value: Sequential;
  /** [env step at episode end, return] of every training episode. */
  episodes: [number, number][];
  steps: number;
  seconds: number;
}

/** Samples an action from logits; returns it with its log-probability. */
function sampleLogits(logits: Float32Array, rng: Rng): [number, number] {
  const m = Math.max(...logits);
  const p = Array.from(logits, (l) => Math.exp(l - m));
  const z = p.reduce((s, x) => s + x, 0);
  const a = rng.categorical(p.map((x) => x / z));
  return [a, logits[a] - m - Math.log(z)];
}

/**
 * Generalised advantage estimation over a rollout laid out [step][env]: δ = r + γ(1−done)V(s') − V(s),
 * A = δ + γλ(1−done)A'. `values` has one more row: the value after the last step.
 */
export function computeGae(rewards: number[][], values: number[][], dones: number[][], gamma: number, lambda: number): { advantages: number[][]; returns: number[][] } {
  const T = rewards.length;
  const n = rewards[0]?.length ?? 0;
  const advantages = rewards.map(() => new Array<number>(n).fill(0));
  const last = new Array<number>(n).fill(0);
  for (let t = T - 1; t >= 0; t--) {
    for (let e = 0; e < n; e++) {
      const notDone = 1 - dones[t][e];
      const delta = rewards[t][e] + gamma * notDone * values[t + 1][e] - values[t][e];
      last[e] = delta + gamma * lambda * notDone * last[e];
      advantages[t][e] = last[e];
    }
  }
  return { advantages, returns: advantages.map((row, t) => row.map((a, e) => a + values[t][e])) };
}

/** Trains PPO on a discrete-action, vector-observation environment made by `makeEnv`. */
export function trainPpo(makeEnv: () => Env<number[], number>, opts: PpoOptions): PpoResult {
  const o = {
    nEnvs: 8, nSteps: 32, epochs: 20, batchSize: 256, lr: 1e-3, gamma: 0.98, gaeLambda: 0.8, clip: 0.2, valueCoef: 0.5,
    entropyCoef: 0, maxGradNorm: 0.5, hidden: [64, 64], seed: 0, ...opts,
  };
  const envs = Array.from({ length: o.nEnvs }, makeEnv);
  const space = envs[0].observationSpace;
  if (space.kind !== "box" || envs[0].actionSpace.kind !== "discrete") throw new Error("trainPpo: needs a box observation space and a discrete action space");
  const obsDim = space.shape[0];
  const nActions = envs[0].actionSpace.n;
  const started = performance.now();
  manualSeed(o.seed);
  const rng = new Rng(o.seed + 1);
  const policy = mlp(obsDim, o.hidden, nActions, "tanh");
  const value = mlp(obsDim, o.hidden, 1, "tanh");
  const optimizer = new Adam([...policy.parameters(), ...value.parameters()], { lr: o.lr, eps: 1e-5 });
  let obs = envs.map((e, i) => e.reset(o.seed * 1000 + i));
  let resets = o.nEnvs;
  const running = new Array<number>(o.nEnvs).fill(0);
  const episodes: [number, number][] = [];
  const rolloutSize = o.nEnvs * o.nSteps;
  const updates = Math.max(1, Math.floor(o.totalSteps / rolloutSize));
  let step = 0;

  for (let u = 0; u < updates; u++) {
    const progress = 1 - u / updates;
    for (const g of optimizer.paramGroups) g.lr = o.lr * progress;
    const clipNow = o.clip * progress;
    const bObs: number[][] = [];
    const bAct: number[] = [];
    const bLogp: number[] = [];
    const rewards: number[][] = [];
    const values: number[][] = [];
    const dones: number[][] = [];
    for (let t = 0; t < o.nSteps; t++) {
      const logits = forwardObservations(policy, obs);
      const v = forwardObservations(value, obs).map((x) => x[0]);
      const rowR: number[] = [];
      const rowD: number[] = [];
      const truncatedAt: number[] = [];
      const finals: number[][] = [];
      obs = obs.map((ob, e) => {
        const [a, logp] = sampleLogits(logits[e], rng);
        bObs.push(ob);
        bAct.push(a);
        bLogp.push(logp);
        const r = envs[e].step(a);
        step++;
        running[e] += r.reward;
        rowR.push(r.reward);
        rowD.push(r.terminated || r.truncated ? 1 : 0);
        if (!(r.terminated || r.truncated)) return r.observation;
        episodes.push([step, running[e]]);
        running[e] = 0;
        if (r.truncated) {
          truncatedAt.push(e);
          finals.push(r.observation);
        }
        return envs[e].reset(o.seed * 1000 + resets++);
      });
      // a time limit is not a terminal state: fold the value of where it stopped into the reward
      if (truncatedAt.length > 0) forwardObservations(value, finals).forEach((fv, k) => (rowR[truncatedAt[k]] += o.gamma * fv[0]));
      rewards.push(rowR);
      values.push(v);
      dones.push(rowD);
    }
    values.push(forwardObservations(value, obs).map((x) => x[0]));
    const { advantages, returns } = computeGae(rewards, values, dones, o.gamma, o.gaeLambda);
    const flatAdv = advantages.flat();
    const flatRet = returns.flat();
    let stats = { policyLoss: 0, valueLoss: 0, entropy: 0 };
    const order = Array.from({ length: rolloutSize }, (_, i) => i);
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (let start = 0; start < rolloutSize; start += o.batchSize) {
        const idx = order.slice(start, start + o.batchSize);
        stats = scope(() => ppoStep(idx));
      }
    }
    o.onUpdate?.({ step, update: u + 1, meanReturn: recentMean(episodes, 20), ...stats });

    function ppoStep(idx: number[]): { policyLoss: number; valueLoss: number; entropy: number } {
      const B = idx.length;
      const x = tensor(Float32Array.from(idx.flatMap((i) => bObs[i])), { shape: [B, obsDim] });
      const adv = idx.map((i) => flatAdv[i]);
      const am = adv.reduce((s, a) => s + a, 0) / B;
      const as = Math.sqrt(adv.reduce((s, a) => s + (a - am) ** 2, 0) / B) + 1e-8;
      const advT = tensor(Float32Array.from(adv, (a) => (a - am) / as));
      const logProbs = logSoftmax(policy.forward(x), -1);
      const logp = squeeze(gather(logProbs, 1, tensor(Int32Array.from(idx, (i) => bAct[i]), { shape: [B, 1] })), 1);
      const ratio = exp(sub(logp, tensor(Float32Array.from(idx, (i) => bLogp[i]))));
      const surrogate = minimum(mul(ratio, advT), mul(clamp(ratio, 1 - clipNow, 1 + clipNow), advT));
      const policyLoss = neg(mean(surrogate));
      const entropy = neg(mean(sum(mul(softmax(logProbs, -1), logProbs), -1)));
      const v = squeeze(value.forward(x), 1);
      const valueLoss = mseLoss(v, tensor(Float32Array.from(idx, (i) => flatRet[i])));
      const loss = add(add(policyLoss, mul(valueLoss, o.valueCoef)), mul(entropy, -o.entropyCoef));
      optimizer.zeroGrad();
      loss.backward();
      clipGradNorm_([...policy.parameters(), ...value.parameters()], o.maxGradNorm);
      optimizer.step();
      return { policyLoss: policyLoss.item(), valueLoss: valueLoss.item(), entropy: entropy.item() };
    }
  }
  return { policy, value, episodes, steps: step, seconds: (performance.now() - started) / 1000 };
}

/** Mean return of the last `n` episodes (NaN before the first). */
export function recentMean(episodes: readonly [number, number][], n: number): number {
  const tail = episodes.slice(-n);
  return tail.length === 0 ? NaN : tail.reduce((s, [, r]) => s + r, 0) / tail.length;
}
