// The prediction server: createServer, the ModelSource contract the registry implements, and the parts
// (feature building, model cache, micro-batching, metrics) for reuse by the CLI.
export { createServer, serveState, type ServerOptions, type ServeState } from "./server.js";
export { InMemoryModelSource, type ModelListing, type ModelSelector, type ModelSource, type ResolvedModel } from "./model-source.js";
export { HttpError } from "./errors.js";
export { inputColumns, inputsToFeatures, rowsToFeatures, type FeatureMatrix, type FeatureRow, type InputColumn, type InputKind } from "./features.js";
export {
  forwardRows, loadServedModel, loadServedModelWithConfig, predictionScore, servedModelInfo, toPredictions, type OutputKind, type Prediction, type ServedModel, type ServedModelInfo,
} from "./served-model.js";
export { WorkerPool, type WorkerPoolOptions } from "./worker-pool.js";
export { ModelCache, type ModelCacheOptions, type ModelLease } from "./model-cache.js";
export { MicroBatcher, type BatchingOptions, type Outputs } from "./batcher.js";
// Prometheus primitives under prefixed names: the data layer already exports a profile Histogram
export { Counter as MetricsCounter, Histogram as MetricsHistogram, ServeMetrics, type Labels as MetricLabels } from "./metrics.js";
export { registryModelSource } from "./registry-source.js";
export { API_SCOPES, ApiKeyStore, apiKeysPath, hasScope, openApiKeys, type ApiKeyInfo, type CreateApiKeyOptions, type VerifyResult } from "./auth/index.js";
export type { ProtectedRoutes } from "./security.js";
export type { RateLimitOptions } from "./rate-limit.js";
export type { PredictEvent, PredictObserver } from "./events.js";
export type { ApiScope, PluginContext, ServerPlugin } from "./plugin.js";
