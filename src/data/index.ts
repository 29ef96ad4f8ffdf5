// The data layer: tables in, tensors out, with preprocessing that is fitted on training data and saved
// with the model.
export * from "./table.js";
export {
  formatProfile, histogramOf, profileTable,
  type ColumnProfile, type Histogram, type NumericSummary, type ProfileOptions, type ProfileWarning, type ProfileWarningKind, type TableProfile,
} from "./profile.js";
export { profileSource } from "./profile-source.js";
export * from "./clean.js";
export * from "./split.js";
export * from "./imbalance.js";
export * from "./loader.js";
export * from "./transforms/index.js";
export * from "./text/index.js";
export * from "./spec.js";
// image steps have generic names (resize, crop, normalize): they live under `image.`
export * as image from "./image.js";
export * from "./ingest/index.js";
export * from "./catalog.js";
