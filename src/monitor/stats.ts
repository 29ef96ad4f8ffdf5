// The two drift statistics: the population stability index over binned counts, and the two-sample
// Kolmogorov-Smirnov test with its asymptotic (Kolmogorov distribution) p-value. Both are checked
// against scipy in test/monitor/stats.test.ts.

/**
 * The proportion used in place of an empty bin's 0 in `psi`: ln(p/0) is infinite, and one empty bin
 * would otherwise make every comparison "infinitely" drifted. 1e-4 is the usual choice (a bin seen in
 * one sample and never in the other adds about (p − 1e-4)·ln(p / 1e-4), e.g. 0.45 for p = 0.05).
 */
export const PSI_EPSILON = 1e-4;

function proportions(counts: readonly number[], what: string): number[] {
  let total = 0;
  for (const [i, c] of counts.entries()) {
    if (!Number.isFinite(c) || c < 0) throw new RangeError(`psi: ${what}[${i}] must be a count ≥ 0, got ${c}`);
    total += c;
  }
  if (total === 0) throw new RangeError(`psi: ${what} are all 0; there is nothing to compare`);
  return counts.map((c) => Math.max(c / total, PSI_EPSILON));
}

/**
 * Population stability index Σ (aᵢ − eᵢ)·ln(aᵢ/eᵢ) between the expected (reference) and actual bin
 * proportions, computed from counts over the same bins. Empty bins count as PSI_EPSILON. Rule of
 * thumb: < 0.1 stable, 0.1–0.2 moderate shift, > 0.2 significant shift.
 */
export function psi(expectedCounts: readonly number[], actualCounts: readonly number[]): number {
  if (expectedCounts.length !== actualCounts.length) {
    throw new RangeError(`psi: expected and actual counts must cover the same bins, got ${expectedCounts.length} and ${actualCounts.length}`);
  }
  const e = proportions(expectedCounts, "expected counts");
  const a = proportions(actualCounts, "actual counts");
  let sum = 0;
  for (let i = 0; i < e.length; i++) sum += (a[i] - e[i]) * Math.log(a[i] / e[i]);
  return sum;
}

/**
 * Survival function of the Kolmogorov distribution, Q(x) = P(K > x) = 2 Σ (−1)^(k−1) e^(−2k²x²)
 * (scipy's `kstwobign.sf`). Below x = 1 that series converges slowly, so the equivalent
 * Jacobi-theta form P(K ≤ x) = √(2π)/x Σ e^(−(2k−1)²π²/(8x²)) is used there.
 */
export function kolmogorovSurvival(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  if (x < 1) {
    let cdf = 0;
    for (let k = 1; k < 100; k++) {
      const term = Math.exp((-((2 * k - 1) ** 2) * Math.PI * Math.PI) / (8 * x * x));
      cdf += term;
      if (term < 1e-17 * cdf) break;
    }
    return 1 - (Math.sqrt(2 * Math.PI) / x) * cdf;
  }
  let sum = 0;
  for (let k = 1; k < 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-17 * Math.abs(sum)) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** Result of a two-sample Kolmogorov-Smirnov test. */
export interface KsResult {
  /** sup |F_a(x) − F_b(x)| over the empirical CDFs, in [0, 1]. */
  statistic: number;
  /** Asymptotic two-sided p-value Q(√(n·m/(n+m))·D); accurate for samples of a few dozen or more. */
  pValue: number;
}

function sortedFinite(values: readonly number[], what: string): Float64Array {
  const out = Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
  if (out.length === 0) throw new RangeError(`ksTwoSample: sample ${what} has no finite values`);
  return out;
}

/**
 * Two-sample Kolmogorov-Smirnov test of whether `a` and `b` come from the same distribution
 * (scipy's `ks_2samp` statistic; the p-value is the asymptotic Kolmogorov one, not scipy's
 * small-sample `kstwo`). Non-finite values are ignored; ties are handled exactly.
 */
export function ksTwoSample(a: readonly number[], b: readonly number[]): KsResult {
  const x = sortedFinite(a, "a");
  const y = sortedFinite(b, "b");
  const n = x.length;
  const m = y.length;
  let i = 0;
  let j = 0;
  let d = 0;
  // walk the merged values; at each distinct value both CDFs have taken in every sample ≤ it
  while (i < n && j < m) {
    const v = Math.min(x[i], y[j]);
    while (i < n && x[i] === v) i++;
    while (j < m && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const en = (n * m) / (n + m);
  return { statistic: d, pValue: kolmogorovSurvival(Math.sqrt(en) * d) };
}

/**
 * Bin of `x` among ascending interior cut points `edges`: bin k holds edges[k−1] < x ≤ edges[k], with
 * open-ended first and last bins (so there are edges.length + 1 bins).
 */
export function binIndex(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
