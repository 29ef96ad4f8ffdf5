// Experiments: a YAML/JSON spec → a trained, evaluated, logged and registered model.
export { EVALUATION_ARTIFACT, type RunEvaluation } from "./evaluation.js";
export { ExperimentSpecError, experimentSpecSchema, loadExperimentSpec, parseExperimentSpec, parseSpecText, formatPath, ACTIVATIONS, type ExperimentSpec } from "./spec.js";
export { runExperiment, specParams, QUICK_EPOCHS, type RunExperimentOptions, type ExperimentResult } from "./run-experiment.js";
export { evaluatePredictions, predictedClasses, downsample, MAX_CURVE_POINTS, type Task, type Scores } from "./evaluate.js";
export { evaluateModelDir, predictRows, readModelMetadata, scoresOf, tableRows, type ExperimentModelMetadata } from "./score.js";
export { ExperimentDataError, loadSource, prepareData, splitData, QUICK_ROWS, type PreparedData, type DataSplits } from "./dataset.js";
export { fitPreprocessing, targetTensor, targetValues, QUICK_MAX_FEATURES, type FittedPreprocessing } from "./preprocess.js";
export { buildMlp } from "./model.js";
