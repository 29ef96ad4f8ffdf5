// The preprocessing that travels with a model: every fitted part (tabular features, text vectoriser,
// token-id encoder, label encoder, image steps) as one plain-JSON object for a model directory's
// `preprocessing` field, and back into objects that produce the same tensors at serving time.
import type { ImageStep } from "./image.js";
import { SequenceEncoder, type SequenceEncoderJSON } from "./text/sequence.js";
import { CountVectorizer, TfidfVectorizer, type VectorizerJSON } from "./text/vectorize.js";
import { ColumnTransformer } from "./transforms/column-transformer.js";
import { LabelEncoder } from "./transforms/encoders.js";
import type { TransformJSON } from "./transforms/transform.js";

/** The JSON format's name and version, checked when reading. */
export const PREPROCESSING_FORMAT = "ingot-preprocessing";
export const PREPROCESSING_VERSION = 1;

/** The fitted parts of a model's preprocessing; any may be absent. */
export interface Preprocessor {
  /** Table → float32 features [N, F]. */
  tabular?: ColumnTransformer;
  /** Texts → bag-of-words / TF-IDF rows. */
  vectorizer?: CountVectorizer | TfidfVectorizer;
  /** Texts → token ids [N, L] + mask. */
  sequence?: SequenceEncoder;
  /** Target labels ↔ class ids. */
  label?: LabelEncoder;
  /** Image steps (resize, crops, normalise, …). */
  image?: ImageStep[];
}

/** A Preprocessor as plain JSON. */
export interface PreprocessingSpec {
  format: typeof PREPROCESSING_FORMAT;
  version: number;
  tabular?: TransformJSON;
  vectorizer?: VectorizerJSON;
  sequence?: SequenceEncoderJSON;
  label?: TransformJSON;
  image?: ImageStep[];
}

/** The fitted preprocessing as plain JSON (for saveModelDir's `preprocessing`). */
export function specToJSON(p: Preprocessor): PreprocessingSpec {
  if (p === null || typeof p !== "object") throw new TypeError("specToJSON: expected an object of fitted parts {tabular?, vectorizer?, sequence?, label?, image?}");
  const known = ["tabular", "vectorizer", "sequence", "label", "image"];
  for (const k of Object.keys(p)) if (!known.includes(k)) throw new TypeError(`specToJSON: unknown part "${k}" (expected ${known.join(", ")})`);
  const spec: PreprocessingSpec = { format: PREPROCESSING_FORMAT, version: PREPROCESSING_VERSION };
  if (p.tabular) spec.tabular = p.tabular.toJSON();
  if (p.vectorizer) spec.vectorizer = p.vectorizer.toJSON();
  if (p.sequence) spec.sequence = p.sequence.toJSON();
  if (p.label) spec.label = p.label.toJSON();
  if (p.image) spec.image = p.image.map((s) => ({ ...s }));
  // a JSON round trip drops class instances and proves the spec is plain data
  return JSON.parse(JSON.stringify(spec)) as PreprocessingSpec;
}

/** Rebuilds the fitted parts from specToJSON() output (e.g. loadModelDir(dir).config.preprocessing). */
export function specFromJSON(json: unknown): Preprocessor {
  const o = json as Partial<PreprocessingSpec> | null;
  if (o === null || typeof o !== "object" || o.format !== PREPROCESSING_FORMAT) {
    throw new TypeError(`specFromJSON: not a preprocessing spec (expected format "${PREPROCESSING_FORMAT}", got ${JSON.stringify(o?.format)})`);
  }
  if (o.version !== PREPROCESSING_VERSION) throw new TypeError(`specFromJSON: unsupported version ${JSON.stringify(o.version)} (this build reads ${PREPROCESSING_VERSION})`);
  const p: Preprocessor = {};
  if (o.tabular) p.tabular = ColumnTransformer.fromJSON(o.tabular);
  if (o.vectorizer) p.vectorizer = o.vectorizer.kind === "TfidfVectorizer" ? TfidfVectorizer.fromJSON(o.vectorizer) : CountVectorizer.fromJSON(o.vectorizer);
  if (o.sequence) p.sequence = SequenceEncoder.fromJSON(o.sequence);
  if (o.label) p.label = LabelEncoder.fromJSON(o.label);
  if (o.image) {
    if (!Array.isArray(o.image) || !o.image.every((s) => s !== null && typeof s === "object" && typeof s.op === "string")) throw new TypeError("specFromJSON: image must be an array of {op, ...} steps");
    p.image = o.image.map((s) => ({ ...s }));
  }
  return p;
}
