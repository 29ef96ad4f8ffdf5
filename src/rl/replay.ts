// A fixed-size ring buffer of transitions for off-policy agents (DQN's experience replay).
import type { Rng } from "./rng.js";

/** A sampled minibatch, flat row-major. */
export interface ReplayBatch {
  obs: Float32Array;
  actions: Int32Array;
  rewards: Float32Array;
  nextObs: Float32Array;
  /** 1 where the transition ended in a terminal state (no bootstrap), else 0. */
  dones: Float32Array;
}

/** Stores up to `capacity` transitions, overwriting the oldest. */
export class ReplayBuffer {
  private readonly obs: Float32Array;
  private readonly nextObs: Float32Array;
  private readonly actions: Int32Array;
  private readonly rewards: Float32Array;
  private readonly dones: Float32Array;
  private next = 0;
  /** Transitions held. */
  size = 0;

  constructor(readonly capacity: number, readonly obsDim: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ReplayBuffer: capacity must be a positive integer, got ${capacity}`);
    this.obs = new Float32Array(capacity * obsDim);
    this.nextObs = new Float32Array(capacity * obsDim);
    this.actions = new Int32Array(capacity);
    this.rewards = new Float32Array(capacity);
    this.dones = new Float32Array(capacity);
  }

  /** Adds one transition. `terminated` (not truncated) marks a state whose future value is zero. */
  push(obs: ArrayLike<number>, action: number, reward: number, nextObs: ArrayLike<number>, terminated: boolean): void {
    const i = this.next;
    this.obs.set(obs, i * this.obsDim);
    this.nextObs.set(nextObs, i * this.obsDim);
    this.actions[i] = action;
    this.rewards[i] = reward;
    this.dones[i] = terminated ? 1 : 0;
    this.next = (i + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** `batchSize` transitions drawn uniformly with replacement. */
  sample(batchSize: number, rng: Rng): ReplayBatch {
    if (this.size === 0) throw new Error("ReplayBuffer.sample: the buffer is empty");
    const d = this.obsDim;
    const b: ReplayBatch = {
      obs: new Float32Array(batchSize * d), actions: new Int32Array(batchSize), rewards: new Float32Array(batchSize),
      nextObs: new Float32Array(batchSize * d), dones: new Float32Array(batchSize),
    };
    for (let k = 0; k < batchSize; k++) {
      const i = rng.int(this.size);
      b.obs.set(this.obs.subarray(i * d, (i + 1) * d), k * d);
      b.nextObs.set(this.nextObs.subarray(i * d, (i + 1) * d), k * d);
      b.actions[k] = this.actions[i];
      b.rewards[k] = this.rewards[i];
      b.dones[k] = this.dones[i];
    }
    return b;
  }
}
