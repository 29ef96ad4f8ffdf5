// Latencies are kept per minute as a sparse log-scale histogram, so percentiles over any window are
// computed from every request (not just the sampled ones) in constant space per minute. Buckets grow
// by 2%, so a reported percentile is within 1% of the true latency.

/** A sparse histogram: bucket index → requests. */
export type LatencyHistogram = Record<string, number>;

/** Upper bound of bucket 0, in milliseconds: anything faster is reported as this. */
const FLOOR_MS = 0.01;
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);

/** The bucket of a latency: bucket k holds FLOOR·G^(k−1) < ms ≤ FLOOR·G^k. */
export function latencyBucket(ms: number): number {
  if (!(ms > FLOOR_MS)) return 0;
  return Math.ceil(Math.log(ms / FLOOR_MS) / LOG_GROWTH - 1e-12);
}

/** The latency a bucket stands for: the geometric middle of its range. */
export function bucketLatency(k: number): number {
  return k === 0 ? FLOOR_MS : FLOOR_MS * GROWTH ** (k - 0.5);
}

/** Adds `count` requests of latency `ms` to `h`. */
export function addLatency(h: LatencyHistogram, ms: number, count = 1): void {
  const k = String(latencyBucket(ms));
  h[k] = (h[k] ?? 0) + count;
}

/** Adds every bucket of `from` into `into`. */
export function mergeHistogram(into: LatencyHistogram, from: LatencyHistogram): LatencyHistogram {
  for (const [k, c] of Object.entries(from)) into[k] = (into[k] ?? 0) + c;
  return into;
}

/** The q-quantile (0 < q ≤ 1, nearest rank) of the latencies in `h`, or 0 when it is empty. */
export function histogramQuantile(h: LatencyHistogram, q: number): number {
  const buckets = Object.entries(h).map(([k, c]) => [Number(k), c] as const).sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((s, [, c]) => s + c, 0);
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [k, c] of buckets) {
    seen += c;
    if (seen >= rank) return bucketLatency(k);
  }
  return bucketLatency(buckets[buckets.length - 1][0]);
}
