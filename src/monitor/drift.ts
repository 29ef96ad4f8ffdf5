// Compares live inputs and predictions with a model's drift reference: PSI over the reference bins
// (and its missing-value share) for every field, plus a KS test against the reference sample for
// numeric and text fields.
import type { FeatureRow } from "../serve/features.js";
import { predictionScore, type Prediction } from "../serve/served-model.js";
import {
  categoryValue, numericValue, textValue, type DriftReference, type FeatureReference,
} from "./reference.js";
import { binIndex, ksTwoSample, psi } from "./stats.js";
import type { FeatureDrift } from "./types.js";

/** When a feature counts as drifted. */
export interface DriftThresholds {
  /** PSI above this is drift (default 0.2). */
  psi: number;
  /** A KS p-value below this is drift (default 0.01). */
  ksPValue: number;
  /** Fewer live values than this are never called drifted: the statistics are noise (default 30). */
  minCount: number;
}

/** The default thresholds: PSI 0.2, KS p 0.01, at least 30 live values. */
export const DEFAULT_THRESHOLDS: DriftThresholds = { psi: 0.2, ksPValue: 0.01, minCount: 30 };

type Cell = FeatureRow[string] | undefined;

/** The predicted class (as a string), or null for regressions. */
export function predictionClass(p: Prediction): string | null {
  return "label" in p ? String(p.label) : null;
}

/** One field's live values compared with its reference. */
export function compareFeature(ref: FeatureReference, values: readonly Cell[], t: DriftThresholds): FeatureDrift {
  const missing = values.filter((v) => v === null || v === undefined).length;
  if (ref.kind === "categorical") {
    const counts = new Array<number>(ref.counts.length).fill(0);
    const index = new Map(ref.categories.map((c, i) => [c, i]));
    let present = 0;
    for (const v of values) {
      const c = categoryValue(v);
      if (c === null) continue;
      present++;
      counts[index.get(c) ?? ref.categories.length]++;
    }
    const p = present + missing === 0 ? 0 : psi([...ref.counts, ref.missing], [...counts, missing]);
    return { feature: ref.field, kind: "categorical", psi: p, ks: null, pValue: null, count: present, drifted: present >= t.minCount && p > t.psi };
  }
  const read = ref.kind === "text" ? textValue : numericValue;
  const xs = values.map(read);
  const present = xs.filter((x) => !Number.isNaN(x));
  const unreadable = xs.length - present.length;
  const counts = new Array<number>(ref.counts.length).fill(0);
  for (const x of present) counts[binIndex(ref.edges, x)]++;
  const p = xs.length === 0 ? 0 : psi([...ref.counts, ref.missing], [...counts, unreadable]);
  const ks = present.length > 0 && ref.sample.length > 0 ? ksTwoSample(ref.sample, present) : null;
  const drifted = present.length >= t.minCount && (p > t.psi || (ks !== null && ks.pValue < t.ksPValue));
  return { feature: ref.field, kind: ref.kind, psi: p, ks: ks?.statistic ?? null, pValue: ks?.pValue ?? null, count: present.length, drifted };
}

/** Input drift of every referenced field over the live rows. */
export function inputDrift(ref: DriftReference, rows: readonly FeatureRow[], t: DriftThresholds): FeatureDrift[] {
  return ref.features.map((f) => compareFeature(f, rows.map((r) => (Object.hasOwn(r, f.field) ? r[f.field] : undefined)), t));
}

/** Drift of the predictions against the reference scores (PSI and, for scores, KS), or null when the reference has none. */
export function predictionDrift(ref: DriftReference, predictions: readonly Prediction[], t: DriftThresholds): FeatureDrift | null {
  if (!ref.scores) return null;
  const values: Cell[] = ref.scores.kind === "categorical" ? predictions.map(predictionClass) : predictions.map(predictionScore);
  return compareFeature(ref.scores, values, t);
}
