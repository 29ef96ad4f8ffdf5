// The shapes monitoring produces: the reference a model is compared against, and the report that
// `ingot monitor`, the dashboard and alerts read.

/** One feature's drift against the training reference. */
export interface FeatureDrift {
  /** The raw input field (for text fields the statistic is computed on their length in characters). */
  feature: string;
  kind: "numeric" | "categorical" | "text";
  /** Population stability index over the reference bins (categories for categorical features). */
  psi: number;
  /** Two-sample Kolmogorov-Smirnov statistic (numeric and text), null for categorical. */
  ks: number | null;
  /** KS p-value (asymptotic), null for categorical. */
  pValue: number | null;
  /** Rows of live data the figures are computed from. */
  count: number;
  /** True when psi or ks crosses the monitor's thresholds. */
  drifted: boolean;
}

/** A monitoring report for one model (all versions, or one). */
export interface MonitorReport {
  model: string;
  /** The version the report covers; null = every version seen in the window. */
  version: number | null;
  /** The time window covered, epoch ms. */
  from: number;
  to: number;
  /** Logged predictions in the window (after sampling), and the requests they stand for. */
  logged: number;
  requests: number;
  errors: number;
  errorRate: number;
  latencyMs: { p50: number; p90: number; p99: number; mean: number };
  /** Requests per second over the window, in buckets for a chart. */
  throughput: { t: number[]; rps: number[] };
  /** Latency p99 per bucket, same buckets as throughput. */
  latencySeries: { t: number[]; p99: number[] };
  /** Input drift per feature; empty when the model has no drift reference. */
  drift: FeatureDrift[];
  /** Drift of the predicted score/class distribution against the training predictions, null when unknown. */
  predictionDrift: {
    psi: number;
    drifted: boolean;
    /** KS statistic and p-value when the predictions are scores (null for classes). */
    ks?: number | null;
    pValue?: number | null;
    /** Logged predictions compared. */
    count?: number;
  } | null;
  /** Objectives and whether they hold: latency p99 ≤ target, error rate ≤ target. */
  objectives: { name: string; target: number; actual: number; met: boolean }[];
  /** Alerts raised in the window. */
  alerts: {
    at: number;
    message: string;
    /** What it is about: `input:<feature>`, `prediction` or `objective:<name>`. */
    key?: string;
    version?: number | null;
    /** When the condition recovered; null while it holds. */
    resolvedAt?: number | null;
  }[];
  /** The drift thresholds the report was judged by. */
  thresholds?: { psi: number; ksPValue: number; minCount: number };
}
