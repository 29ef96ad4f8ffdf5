// DQN (Mnih et al. 2015): an MLP Q-network trained on replayed transitions against a slowly updated
// target network, with the Huber loss and Adam.
import { noGrad } from "../autograd/index.js";
import { huberLoss } from "../losses/index.js";
import type { Sequential } from "../nn/index.js";
import { Adam, clipGradNorm_ } from "../optim/index.js";
import { gather, max, mul, add, scope, tensor, sub, manualSeed, squeeze } from "../tensor/index.js";
import type { Env } from "./env.js";
import { mlp } from "./mlp.js";
import { argmaxOf, evaluateGreedy, forwardObservations } from "./policy.js";
import { ReplayBuffer } from "./replay.js";
import { Rng } from "./rng.js";
import { linearSchedule } from "./schedule.js";

/** Options of trainDqn (defaults follow the RL Zoo's CartPole-v1 settings, scaled to a smaller net). */
export interface DqnOptions {
  /** Environment steps to train for. */
  totalSteps: number;
  hidden?: number[];
  lr?: number;
  gamma?: number;
  batchSize?: number;
  bufferSize?: number;
  /** Steps of random play before learning starts. */
  learningStarts?: number;
  /** Collect this many env steps, then take `gradientSteps` updates. */
  trainFreq?: number;
  gradientSteps?: number;
  /** Copy the online weights into the target network every this many environment steps (SB3's meaning). */
  targetUpdateInterval?: number;
  /** ε falls linearly from 1 to `finalEpsilon` over this fraction of totalSteps. */
  explorationFraction?: number;
  finalEpsilon?: number;
  seed?: number;
  /**
   * Every this many steps after learningStarts, play `evalEpisodes` greedy episodes on fresh
   * environments from `makeEvalEnv` and keep the best network so far; training returns that one (SB3's
   * EvalCallback with save_best_model). DQN's greedy policy can get worse late in training, so the last
   * weights are not always the best. Off unless both evalEvery and makeEvalEnv are given.
   */
  evalEvery?: number;
  evalEpisodes?: number;
  makeEvalEnv?: () => Env<number[], number>;
  /** Called after each finished training episode. */
  onEpisode?: (info: { step: number; episode: number; return: number; epsilon: number; loss: number }) => void;
}

/** What trainDqn returns. */
export interface DqnResult {
  qNet: Sequential;
  /** [env step at episode end, return] of every training episode. */
  episodes: [number, number][];
  losses: number[];
  steps: number;
  seconds: number;
  /** [step, mean greedy return] of every evaluation (empty when evaluation is off). */
  evaluations: [number, number][];
  /** The evaluation whose network qNet holds, or null when evaluation is off. */
  best: { step: number; meanReturn: number } | null;
}

/** Trains a DQN agent on a discrete-action, vector-observation environment. */
export function trainDqn(env: Env<number[], number>, opts: DqnOptions): DqnResult {
  const o = {
    hidden: [128, 128], lr: 2.3e-3, gamma: 0.99, batchSize: 64, bufferSize: 100_000, learningStarts: 1000, trainFreq: 256,
    gradientSteps: 128, targetUpdateInterval: 10, explorationFraction: 0.16, finalEpsilon: 0.04, seed: 0, evalEpisodes: 10, ...opts,
  };
  if (env.observationSpace.kind !== "box" || env.actionSpace.kind !== "discrete") throw new Error("trainDqn: needs a box observation space and a discrete action space");
  const obsDim = env.observationSpace.shape[0];
  const nActions = env.actionSpace.n;
  const started = performance.now();
  manualSeed(o.seed);
  const rng = new Rng(o.seed + 1);
  const qNet = mlp(obsDim, o.hidden, nActions);
  const target = mlp(obsDim, o.hidden, nActions);
  target.loadStateDict(qNet.stateDict());
  const optimizer = new Adam(qNet.parameters(), { lr: o.lr });
  const buffer = new ReplayBuffer(o.bufferSize, obsDim);
  const epsilon = linearSchedule(1, o.finalEpsilon, o.explorationFraction * o.totalSteps);
  const episodes: [number, number][] = [];
  const losses: number[] = [];
  let obs = env.reset(o.seed);
  let episodeReturn = 0;
  const evaluations: [number, number][] = [];
  const bestNet = o.evalEvery && o.makeEvalEnv ? mlp(obsDim, o.hidden, nActions) : null;
  let best: DqnResult["best"] = null;
  const evaluate = (step: number): void => {
    if (!bestNet || !o.makeEvalEnv) return;
    const returns = evaluateGreedy(o.makeEvalEnv, qNet, o.evalEpisodes, 10_000 + evaluations.length * o.evalEpisodes);
    const meanReturn = returns.reduce((a, b) => a + b, 0) / returns.length;
    evaluations.push([step, meanReturn]);
    if (!best || meanReturn > best.meanReturn) {
      best = { step, meanReturn };
      bestNet.loadStateDict(qNet.stateDict());
    }
  };

  const update = (): number => {
    const b = buffer.sample(o.batchSize, rng);
    return scope(() => {
      const next = tensor(b.nextObs, { shape: [o.batchSize, obsDim] });
      // y = r + γ (1 − done) max_a' Q_target(s', a')
      const y = noGrad(() => add(tensor(b.rewards), mul(mul(max(target.forward(next), 1), sub(1, tensor(b.dones))), o.gamma)));
      const q = qNet.forward(tensor(b.obs, { shape: [o.batchSize, obsDim] }));
      const qa = squeeze(gather(q, 1, tensor(b.actions, { shape: [o.batchSize, 1] })), 1);
      const loss = huberLoss(qa, y);
      optimizer.zeroGrad();
      loss.backward();
      clipGradNorm_(qNet.parameters(), 10);
      optimizer.step();
      return loss.item();
    });
  };

  for (let step = 1; step <= o.totalSteps; step++) {
    const eps = epsilon(step);
    const action = step <= o.learningStarts || rng.random() < eps ? rng.int(nActions) : argmaxOf(forwardObservations(qNet, [obs])[0]);
    const r = env.step(action);
    buffer.push(obs, action, r.reward, r.observation, r.terminated);
    episodeReturn += r.reward;
    obs = r.observation;
    if (r.terminated || r.truncated) {
      episodes.push([step, episodeReturn]);
      o.onEpisode?.({ step, episode: episodes.length, return: episodeReturn, epsilon: eps, loss: losses.at(-1) ?? NaN });
      episodeReturn = 0;
      obs = env.reset(o.seed + 1 + episodes.length);
    }
    if (step % o.targetUpdateInterval === 0) target.loadStateDict(qNet.stateDict());
    if (step > o.learningStarts && step % o.trainFreq === 0) {
      for (let g = 0; g < o.gradientSteps; g++) losses.push(update());
    }
    if (o.evalEvery && step > o.learningStarts && (step % o.evalEvery === 0 || step === o.totalSteps)) evaluate(step);
  }
  target.dispose();
  if (bestNet) {
    qNet.loadStateDict(bestNet.stateDict());
    bestNet.dispose();
  }
  return { qNet, episodes, losses, steps: o.totalSteps, seconds: (performance.now() - started) / 1000, evaluations, best };
}
