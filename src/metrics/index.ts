// Metrics: functional ones (scikit-learn's names and conventions in camelCase, arguments (yTrue, yPred)),
// streaming ones for training loops (update(preds, targets) / compute() / reset()), and cross-validation splits.
export type { MetricInput } from "./input.js";
export type { PredictionOptions } from "./decode.js";
export { accuracy, topKAccuracy, type AccuracyOptions, type TopKOptions } from "./accuracy.js";
export { confusionMatrix, type ConfusionMatrixOptions } from "./confusion.js";
export {
  precision, recall, f1Score, fbetaScore, precisionRecallFscoreSupport,
  type Average, type AverageOptions, type PerClassScores, type AveragedScores,
} from "./precision-recall.js";
export { classificationReport, type ClassificationReport, type ClassificationReportOptions, type ClassReportRow, type ReportRow } from "./report.js";
export {
  rocCurve, rocAucScore, precisionRecallCurve, averagePrecisionScore, auc,
  type RocCurve, type PrecisionRecallCurve, type CurveOptions, type RocCurveOptions, type RocAucOptions, type ScoreAverage, type AveragePrecisionOptions,
} from "./ranking.js";
export { logLoss, perplexity, type LogLossOptions } from "./probabilistic.js";
export { meanSquaredError, rootMeanSquaredError, meanAbsoluteError, r2Score, type R2Options } from "./regression.js";
export { Mean, type Metric, type MetricOptions } from "./streaming.js";
export { Accuracy, TopKAccuracy, Precision, Recall, F1Score, FBetaScore, AUROC, type ConfusionMetricOptions } from "./streaming-classification.js";
export { MeanSquaredError, MeanAbsoluteError, R2Score } from "./streaming-regression.js";
export { LogLoss, Perplexity, type LogLossMetricOptions, type PerplexityOptions } from "./streaming-probabilistic.js";
export { kFold, stratifiedKFold, trainTestSplit, type FoldSplit, type KFoldOptions, type TrainTestSplitOptions, type Splittable, type SplitPair, type SplitPairs } from "./cross-validation.js";
