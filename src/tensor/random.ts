/**
 * Philox4x32-10, the counter-based generator PyTorch and cuRAND use: output depends only on (seed,
 * counter), so any backend (including a GPU kernel) can reproduce the same stream in parallel.
 * Numbers are generated on the host here and uploaded, so the same seed gives the same numbers on
 * every backend.
 */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

function mulhi(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const lolo = al * bl, lohi = al * bh, hilo = ah * bl, hihi = ah * bh;
  const cross = (lolo >>> 16) + (lohi & 0xffff) + (hilo & 0xffff);
  return (hihi + (lohi >>> 16) + (hilo >>> 16) + (cross >>> 16)) >>> 0;
}

/** Fills out[0..4) with the Philox block for (key, counter). */
export function philoxBlock(k0: number, k1: number, c0: number, c1: number, c2: number, c3: number, out: Uint32Array): void {
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(M0, c0), lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2), lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** Fills out with the Philox words for (k0, k1) from counter `counter` on (4 per counter). */
export type PhiloxKernel = (out: Uint32Array, k0: number, k1: number, counter: number) => void;

/** The JS reference: what every kernel must equal word for word. */
export const philoxFillJs: PhiloxKernel = (out, k0, k1, counter) => {
  const b = new Uint32Array(4);
  for (let i = 0, c = counter; i < out.length; i += 4, c++) {
    philoxBlock(k0, k1, c >>> 0, Math.floor(c / 0x100000000) >>> 0, 0, 0, b);
    for (let j = 0; j < 4 && i + j < out.length; j++) out[i + j] = b[j];
  }
};

// The native cpu backend installs its kernel when it loads (about 50× the JS speed); until then, and
// without it, the JS reference runs. Both give the same words, so results never depend on which ran.
let philoxKernel: PhiloxKernel = philoxFillJs;

/** Installs a faster Philox kernel (the native cpu backend does); null restores the JS reference. Returns the previous one. */
export function setPhiloxKernel(kernel: PhiloxKernel | null): PhiloxKernel {
  const previous = philoxKernel;
  philoxKernel = kernel ?? philoxFillJs;
  return previous;
}

export class Generator {
  private k0 = 0;
  private k1 = 0;
  private counter = 0;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  manualSeed(seed: number): this {
    const s = Math.trunc(seed);
    this.k0 = s >>> 0;
    this.k1 = Math.floor(s / 0x100000000) >>> 0;
    this.counter = 0;
    return this;
  }

  /** State as [seed-lo, seed-hi, counter], for checkpoints. */
  getState(): [number, number, number] {
    return [this.k0, this.k1, this.counter];
  }

  setState(state: readonly number[]): void {
    const [k0, k1, counter] = state;
    const word = (v: number | undefined): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
    if (state.length !== 3 || !word(k0) || !word(k1) || !Number.isSafeInteger(counter) || counter < 0) {
      throw new Error(`Generator.setState: expected [seed-lo, seed-hi, counter] as from getState(), got ${JSON.stringify(state)}`);
    }
    this.k0 = k0;
    this.k1 = k1;
    this.counter = counter;
  }

  /** n raw 32-bit words; consumes ceil(n/4) counters. */
  uint32(n: number): Uint32Array {
    const out = new Uint32Array(n);
    // a native call costs more than a few JS blocks: small draws (sampling loops) stay in JS
    (n >= 256 ? philoxKernel : philoxFillJs)(out, this.k0, this.k1, this.counter);
    this.counter += Math.ceil(n / 4);
    return out;
  }

  /** One uniform double in [0, 1) with 32 random bits: for host-side sampling and shuffling loops. */
  random(): number {
    return this.uint32(1)[0] / 4294967296;
  }

  /** Uniform floats in [0, 1) with 24 random bits each. */
  uniform(n: number, low = 0, high = 1): Float32Array {
    const u = this.uint32(n);
    const out = new Float32Array(n);
    const scale = (high - low) / 16777216;
    for (let i = 0; i < n; i++) out[i] = low + (u[i] >>> 8) * scale;
    return out;
  }

  /** Standard normal floats by Box–Muller (two words per pair of outputs). */
  normal(n: number, mean = 0, std = 1): Float32Array {
    const u = this.uint32(n + (n & 1));
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const u1 = ((u[i] >>> 8) + 1) / 16777216; // (0, 1]: log is finite
      const u2 = (u[i + 1] >>> 8) / 16777216;
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i] = mean + std * r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(2 * Math.PI * u2);
    }
    return out;
  }

  /** Integers uniform in [low, high). */
  integers(n: number, low: number, high: number): Int32Array {
    const span = high - low;
    const u = this.uint32(n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = low + Math.floor((u[i] / 4294967296) * span);
    return out;
  }
}

/** The default generator, used when an op is given none. */
export const defaultGenerator = new Generator(0);

/** Seeds the default generator (torch.manual_seed). */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}

/**
 * mulberry32: a tiny seeded scalar generator, uniform in [0, 1). For host-side draws one number at a
 * time (shuffles, fuzzing, environment dynamics), where a batched Generator call would cost more than
 * the draw; not for tensors, which come from the Philox Generator above.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
