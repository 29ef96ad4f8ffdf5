// Reinforcement learning: environments with one interface, tabular and deep agents.
export { checkDiscreteAction, type Env, type Space, type BoxSpace, type DiscreteSpace, type StepResult } from "./env.js";
export { Rng } from "./rng.js";
export { CartPole, CARTPOLE_THETA_LIMIT, CARTPOLE_X_LIMIT, type CartPoleOptions } from "./cartpole.js";
export { GridWorld, GRID_MOVES, type Cell, type GridWorldOptions } from "./gridworld.js";
export { GaussianBandit, type GaussianBanditOptions } from "./bandit.js";
export { linearSchedule, exponentialSchedule, constantSchedule, type Schedule } from "./schedule.js";
export { TabularAgent, type TabularMethod, type TabularOptions } from "./tabular.js";
export { EpsilonGreedyBandit, UCB, runBandit, type BanditAgent, type BanditRun } from "./bandit-agents.js";
export { mlp, type MlpActivation } from "./mlp.js";
export { ReplayBuffer, type ReplayBatch } from "./replay.js";
export { forwardObservations, argmaxOf, evaluateGreedy, meanOf } from "./policy.js";
export { trainDqn, type DqnOptions, type DqnResult } from "./dqn.js";
export { trainPpo, computeGae, recentMean, type PpoOptions, type PpoResult } from "./ppo.js";
