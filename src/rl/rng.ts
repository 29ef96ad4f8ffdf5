// A tiny seeded PRNG for environments and agents: per-step draws of one number, where the engine's
// batched Philox generator would cost more than the step itself.
import { mulberry32 } from "../tensor/random.js";

/** mulberry32: a fast 32-bit generator, good enough for exploration noise and environment dynamics. */
export class Rng {
  private next: () => number;

  constructor(seed = 0) {
    this.next = mulberry32(seed);
  }

  /** Restarts the stream from `seed`. */
  seed(seed: number): void {
    this.next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  random(): number {
    return this.next();
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** A standard normal draw (Box–Muller). */
  normal(mean = 0, std = 1): number {
    const u = 1 - this.random();
    const v = this.random();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** An index drawn with probability proportional to `probs` (which sum to ~1). */
  categorical(probs: ArrayLike<number>): number {
    let u = this.random();
    for (let i = 0; i < probs.length - 1; i++) {
      u -= probs[i];
      if (u < 0) return i;
    }
    return probs.length - 1;
  }
}
