// Monitoring: the prediction log, drift against a training reference, objectives, alerts, reports.
export type { FeatureDrift, MonitorReport } from "./types.js";
export { MonitorError } from "./errors.js";
export { psi, PSI_EPSILON, ksTwoSample, kolmogorovSurvival, binIndex, type KsResult } from "./stats.js";
export {
  driftReference, saveDriftReference, loadDriftReference, checkDriftReference, DRIFT_REFERENCE_FILE, DRIFT_REFERENCE_FORMAT, SAMPLE_SIZE,
  type DriftReference, type DriftReferenceOptions, type FeatureReference, type NumericFeatureReference, type CategoricalFeatureReference,
} from "./reference.js";
export {
  compareFeature, inputDrift, predictionDrift, predictionClass, DEFAULT_THRESHOLDS, type DriftThresholds,
} from "./drift.js";
export { PredictionLog, inputsAsRows, type PredictionLogOptions } from "./prediction-log.js";
export {
  MonitorStore, openMonitorStore, MONITOR_DB, type LoggedPrediction, type MinuteAggregate, type MonitoredModel, type StoredAlert,
} from "./monitor-store.js";
export { buildReport, reportWindow, DEFAULT_WINDOW_MS, type Objectives, type ReportQuery } from "./report.js";
export {
  createMonitor, SETTINGS_KEY, type MonitorOptions, type PredictionMonitor, type MonitorAlert, type MonitorSettings,
} from "./monitor.js";
export { alertConditions, postWebhook, type AlertPayload, type AlertCondition } from "./alerts.js";
export { monitorPlugin } from "./plugin.js";
export { formatReport } from "./format.js";
export { parseDuration, formatDuration } from "./duration.js";
