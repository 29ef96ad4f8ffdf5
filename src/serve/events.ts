// What the server tells observers (the monitor, tests) after each predict request, so monitoring can be
// attached without the server knowing about prediction logs or drift.
import type { FeatureRow } from "./features.js";
import type { Prediction } from "./served-model.js";

/** One predict request as seen after it finished (successfully or not). */
export interface PredictEvent {
  /** The model name from the URL. */
  model: string;
  /** The version that served it; null when the request failed before a version was resolved. */
  version: number | null;
  /** When the request finished, epoch milliseconds. */
  at: number;
  /** Time spent in the route, in milliseconds. */
  latencyMs: number;
  /** The raw feature rows of the request body, when it sent `rows`. */
  rows: FeatureRow[] | null;
  /** The numeric inputs of the request body, when it sent `inputs`. */
  inputs: number[][] | null;
  /** The predictions returned, one per row; null on error. */
  predictions: Prediction[] | null;
  /** The error returned, when the request failed. */
  error: { status: number; code: string } | null;
}

/** Called once per predict request; must not throw (errors are logged and ignored by the server). */
export type PredictObserver = (event: PredictEvent) => void;
