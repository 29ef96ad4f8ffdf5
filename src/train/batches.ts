// Batching for the training loop: a seeded epoch order and the index groups that make the batches.
import type { Generator } from "../tensor/index.js";

/** 0..n-1 in a Fisher–Yates order drawn from `g` (n words), or in order when `shuffle` is false. */
export function epochOrder(n: number, g: Generator, shuffle: boolean): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (!shuffle || n < 2) return order;
  const u = g.uint32(n);
  for (let i = n - 1; i > 0; i--) {
    // the float product is exact enough: i + 1 <= 2^31, so floor(u / 2^32 * (i + 1)) is in [0, i]
    const j = Math.floor((u[i] / 4294967296) * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** `order` cut into consecutive batches of `batchSize` (the last may be smaller). */
export function splitBatches(order: Int32Array, batchSize: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.subarray(i, Math.min(order.length, i + batchSize)));
  return out;
}

/**
 * For gradient accumulation: each batch's share of the samples in its group of `k` consecutive batches
 * (the last group may be shorter). Scaling each batch's mean loss by its share makes the accumulated
 * gradient equal the gradient of the mean over the whole group, as one big batch would give.
 */
export function accumulationShares(batches: readonly Int32Array[], k: number): { share: number; lastOfGroup: boolean }[] {
  const out: { share: number; lastOfGroup: boolean }[] = [];
  for (let g = 0; g < batches.length; g += k) {
    const group = batches.slice(g, g + k);
    const total = group.reduce((s, b) => s + b.length, 0);
    group.forEach((b, i) => out.push({ share: b.length / total, lastOfGroup: i === group.length - 1 }));
  }
  return out;
}

/** Checks that an option is an integer >= min. */
export function checkInt(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw new Error(`${op}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}
