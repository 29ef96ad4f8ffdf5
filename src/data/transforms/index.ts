// Tabular transforms: fitted on training rows only, serialisable to JSON, applied identically later.
export {
  assertFitted, numericValues, categoryValues, type TableTransform, type TransformJSON,
} from "./transform.js";
export { StandardScaler, MinMaxScaler, RobustScaler } from "./scalers.js";
export { OneHotEncoder, OrdinalEncoder, LabelEncoder, INFREQUENT, type HandleUnknown, type OneHotEncoderOptions } from "./encoders.js";
export { KBinsDiscretizer, type KBinsOptions } from "./kbins.js";
export { DateParts, type DatePart } from "./date-parts.js";
export { ColumnTransformer, Pipeline, transformFromJSON, type Features, type Remainder } from "./column-transformer.js";
