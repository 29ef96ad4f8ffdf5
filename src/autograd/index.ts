export { backward, type BackwardOptions } from "./backward.js";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from "./grad-mode.js";
export { detectAnomaly, setDetectAnomaly, isDetectingAnomaly, AnomalyError } from "./anomaly.js";
export { GradNode, SliceGrad, type BackwardFn } from "./node.js";
export { record, needsGrad } from "./record.js";
