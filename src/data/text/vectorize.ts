// Bag-of-words and TF-IDF with scikit-learn's CountVectorizer / TfidfVectorizer semantics: the vocabulary
// is the sorted set of training terms (after min/max document-frequency filtering), idf comes from the
// training documents only, rows are CSR so a 50k-term vocabulary costs only the non-zeros.
import { checkCleanOptions, cleanText, type CleanOptions } from "./clean.js";
import { CsrMatrix } from "./sparse.js";
import { ngrams, RegexTokenizer, stringTokenizerFromJSON, type StringTokenizer, type TokenizerJSON } from "./tokenizers.js";

/** CountVectorizer options. */
export interface CountVectorizerOptions {
  /** Cleaning before tokenizing; default {lowercase: true} as scikit-learn. */
  clean?: CleanOptions;
  /** Default: scikit-learn's token pattern (words of 2+ letters/digits). */
  tokenizer?: StringTokenizer;
  /** [minN, maxN] word n-grams (default [1, 1]). */
  ngramRange?: [number, number];
  /** Keep terms in at least this many training documents (an integer count, default 1). */
  minDf?: number;
  /** Keep terms in at most this fraction of training documents (0 < maxDf <= 1, default 1). */
  maxDf?: number;
  /** Keep only the most frequent terms (by total count; ties alphabetical). */
  maxFeatures?: number;
  /** Counts become 0/1 presence (default false). */
  binary?: boolean;
}

/** TfidfVectorizer options (those of CountVectorizer plus the idf/normalisation choices). */
export interface TfidfOptions extends CountVectorizerOptions {
  /** Row normalisation (default "l2"); null for none. */
  norm?: "l1" | "l2" | null;
  /** Weight by idf (default true). */
  useIdf?: boolean;
  /** idf = ln((1 + n) / (1 + df)) + 1 as if one extra document held every term (default true); else ln(n / df) + 1. */
  smoothIdf?: boolean;
  /** tf = 1 + ln(tf) (default false). */
  sublinearTf?: boolean;
}

/** A vectorizer's JSON form. */
export interface VectorizerJSON {
  kind: "CountVectorizer" | "TfidfVectorizer";
  clean: CleanOptions;
  tokenizer: TokenizerJSON;
  ngramRange: [number, number];
  binary: boolean;
  vocabulary: string[];
  norm?: "l1" | "l2" | null;
  sublinearTf?: boolean;
  idf?: number[] | null;
  /** The fit-time options, recorded for provenance. */
  fitOptions: { minDf: number; maxDf: number; maxFeatures: number | null; useIdf?: boolean; smoothIdf?: boolean };
}

/** Term counts per document as a CSR matrix over the sorted training vocabulary. */
export class CountVectorizer {
  readonly clean: CleanOptions;
  readonly tokenizer: StringTokenizer;
  readonly ngramRange: [number, number];
  readonly binary: boolean;
  protected readonly minDf: number;
  protected readonly maxDf: number;
  protected readonly maxFeatures: number | null;
  protected vocab: Map<string, number> | null = null;

  constructor(opts: CountVectorizerOptions = {}) {
    this.clean = opts.clean ?? { lowercase: true };
    this.tokenizer = opts.tokenizer ?? new RegexTokenizer();
    this.ngramRange = opts.ngramRange ?? [1, 1];
    ngrams([], this.ngramRange[0], this.ngramRange[1]); // validates the range
    this.binary = opts.binary ?? false;
    this.minDf = opts.minDf ?? 1;
    if (!Number.isInteger(this.minDf) || this.minDf < 1) throw new RangeError(`${this.constructor.name}: minDf must be an integer count >= 1, got ${this.minDf}`);
    this.maxDf = opts.maxDf ?? 1;
    if (!(this.maxDf > 0 && this.maxDf <= 1)) throw new RangeError(`${this.constructor.name}: maxDf must be a fraction in (0, 1], got ${this.maxDf}`);
    this.maxFeatures = opts.maxFeatures ?? null;
    if (this.maxFeatures !== null && (!Number.isInteger(this.maxFeatures) || this.maxFeatures < 1)) throw new RangeError(`${this.constructor.name}: maxFeatures must be an integer >= 1, got ${this.maxFeatures}`);
  }

  /** The terms of one document: clean, tokenize, n-grams. */
  analyze(doc: string): string[] {
    return ngrams(this.tokenizer.tokenize(cleanText(doc, this.clean)), this.ngramRange[0], this.ngramRange[1]);
  }

  /** Learns the vocabulary from the training documents. */
  fit(docs: readonly string[]): this {
    this.fitCounts(docs);
    return this;
  }

  // Builds the vocabulary and returns the training documents' analysed terms (reused by TF-IDF).
  protected fitCounts(docs: readonly string[]): string[][] {
    const name = this.constructor.name;
    if (!Array.isArray(docs) || docs.length === 0) throw new TypeError(`${name}.fit: docs must be a non-empty array of strings`);
    const analysed = docs.map((d, i) => {
      if (typeof d !== "string") throw new TypeError(`${name}.fit: docs[${i}] is ${d === null ? "null" : typeof d}, expected a string`);
      return this.analyze(d);
    });
    const df = new Map<string, number>();
    const total = new Map<string, number>();
    for (const terms of analysed) {
      for (const t of terms) total.set(t, (total.get(t) ?? 0) + 1);
      for (const t of new Set(terms)) df.set(t, (df.get(t) ?? 0) + 1);
    }
    const maxCount = Math.floor(this.maxDf * docs.length + 1e-9);
    let terms = [...df].filter(([, n]) => n >= this.minDf && n <= maxCount).map(([t]) => t);
    if (this.maxFeatures !== null && terms.length > this.maxFeatures) {
      terms = terms.sort((a, b) => (total.get(b) as number) - (total.get(a) as number) || (a < b ? -1 : 1)).slice(0, this.maxFeatures);
    }
    if (terms.length === 0) throw new Error(`${name}.fit: no terms remain after minDf/maxDf filtering (documents may be empty)`);
    terms.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.vocab = new Map(terms.map((t, i) => [t, i]));
    return analysed;
  }

  /** The vocabulary; column j of the output is vocabulary[j]. */
  get vocabulary(): string[] {
    return [...this.fitted().keys()];
  }

  /** How many terms the vocabulary holds (the output width), without copying it. */
  get vocabularySize(): number {
    return this.fitted().size;
  }

  protected fitted(): Map<string, number> {
    if (this.vocab === null) throw new Error(`${this.constructor.name}: not fitted; call fit(trainDocs) first`);
    return this.vocab;
  }

  /** Term counts (or 0/1 with binary) as CSR [docs, vocabulary]; terms not in the vocabulary are ignored. */
  transform(docs: readonly string[]): CsrMatrix {
    return this.countMatrix(docs.map((d, i) => {
      if (typeof d !== "string") throw new TypeError(`${this.constructor.name}.transform: docs[${i}] is ${d === null ? "null" : typeof d}, expected a string`);
      return this.analyze(d);
    }));
  }

  protected countMatrix(analysed: readonly string[][]): CsrMatrix {
    const vocab = this.fitted();
    const indptr = new Int32Array(analysed.length + 1);
    const indices: number[] = [];
    const data: number[] = [];
    analysed.forEach((terms, i) => {
      const row = new Map<number, number>();
      for (const t of terms) {
        const j = vocab.get(t);
        if (j !== undefined) row.set(j, (row.get(j) ?? 0) + 1);
      }
      for (const j of [...row.keys()].sort((a, b) => a - b)) {
        indices.push(j);
        data.push(this.binary ? 1 : (row.get(j) as number));
      }
      indptr[i + 1] = indices.length;
    });
    return new CsrMatrix(analysed.length, vocab.size, indptr, Int32Array.from(indices), Float64Array.from(data));
  }

  /** fit(docs) then transform(docs). */
  fitTransform(docs: readonly string[]): CsrMatrix {
    return this.countMatrix(this.fitCounts(docs));
  }

  /** The fitted vectorizer as plain JSON. */
  toJSON(): VectorizerJSON {
    return {
      kind: "CountVectorizer", clean: { ...this.clean }, tokenizer: this.tokenizer.toJSON(), ngramRange: [...this.ngramRange], binary: this.binary,
      vocabulary: this.vocabulary, fitOptions: { minDf: this.minDf, maxDf: this.maxDf, maxFeatures: this.maxFeatures },
    };
  }

  /** Rebuilds a fitted CountVectorizer from toJSON() output. */
  static fromJSON(json: unknown): CountVectorizer {
    const o = checkVectorizerJSON("CountVectorizer.fromJSON", json, "CountVectorizer");
    const v = new CountVectorizer(optionsFromJSON("CountVectorizer.fromJSON", o));
    v.vocab = new Map(o.vocabulary.map((t, i) => [t, i]));
    return v;
  }
}

/** TF-IDF weighted term matrix, with scikit-learn's TfidfVectorizer formulas. */
export class TfidfVectorizer extends CountVectorizer {
  readonly norm: "l1" | "l2" | null;
  readonly useIdf: boolean;
  readonly smoothIdf: boolean;
  readonly sublinearTf: boolean;
  private idfs: Float64Array | null = null;

  constructor(opts: TfidfOptions = {}) {
    super(opts);
    this.norm = opts.norm === undefined ? "l2" : opts.norm;
    if (this.norm !== null && this.norm !== "l1" && this.norm !== "l2") throw new TypeError(`TfidfVectorizer: norm must be "l1", "l2" or null, got ${JSON.stringify(this.norm)}`);
    this.useIdf = opts.useIdf ?? true;
    this.smoothIdf = opts.smoothIdf ?? true;
    this.sublinearTf = opts.sublinearTf ?? false;
  }

  /** Learns the vocabulary and the idf of each term from the training documents. */
  override fit(docs: readonly string[]): this {
    this.fitIdf(this.countMatrix(this.fitCounts(docs)));
    return this;
  }

  private fitIdf(counts: CsrMatrix): void {
    if (!this.useIdf) return;
    const n = counts.numRows;
    const df = new Float64Array(counts.numCols);
    for (const j of counts.indices) df[j]++;
    const s = this.smoothIdf ? 1 : 0;
    this.idfs = df.map((d) => Math.log((n + s) / (d + s)) + 1);
  }

  /** The fitted idf per vocabulary term (null when useIdf is false). */
  get idf(): Float64Array | null {
    this.fitted();
    return this.idfs && this.idfs.slice();
  }

  /** TF-IDF rows as CSR [docs, vocabulary], normalised per row. */
  override transform(docs: readonly string[]): CsrMatrix {
    return this.weight(super.transform(docs));
  }

  override fitTransform(docs: readonly string[]): CsrMatrix {
    const counts = this.countMatrix(this.fitCounts(docs));
    this.fitIdf(counts);
    return this.weight(counts);
  }

  private weight(m: CsrMatrix): CsrMatrix {
    const data = m.data.slice();
    for (let k = 0; k < data.length; k++) {
      let v = this.sublinearTf ? 1 + Math.log(data[k]) : data[k];
      if (this.idfs) v *= this.idfs[m.indices[k]];
      data[k] = v;
    }
    if (this.norm !== null) {
      for (let i = 0; i < m.numRows; i++) {
        let s = 0;
        for (let k = m.indptr[i]; k < m.indptr[i + 1]; k++) s += this.norm === "l2" ? data[k] * data[k] : Math.abs(data[k]);
        const d = this.norm === "l2" ? Math.sqrt(s) : s;
        if (d > 0) for (let k = m.indptr[i]; k < m.indptr[i + 1]; k++) data[k] /= d;
      }
    }
    return new CsrMatrix(m.numRows, m.numCols, m.indptr, m.indices, data);
  }

  override toJSON(): VectorizerJSON {
    const base = super.toJSON();
    return {
      ...base, kind: "TfidfVectorizer", norm: this.norm, sublinearTf: this.sublinearTf, idf: this.idfs ? Array.from(this.idfs) : null,
      fitOptions: { ...base.fitOptions, useIdf: this.useIdf, smoothIdf: this.smoothIdf },
    };
  }

  /** Rebuilds a fitted TfidfVectorizer from toJSON() output. */
  static override fromJSON(json: unknown): TfidfVectorizer {
    const op = "TfidfVectorizer.fromJSON";
    const o = checkVectorizerJSON(op, json, "TfidfVectorizer");
    const v = new TfidfVectorizer({
      ...optionsFromJSON(op, o), norm: o.norm ?? null, sublinearTf: Boolean(o.sublinearTf), useIdf: o.fitOptions.useIdf ?? true, smoothIdf: o.fitOptions.smoothIdf ?? true,
    });
    v.vocab = new Map(o.vocabulary.map((t, i) => [t, i]));
    if (o.idf !== null && o.idf !== undefined) {
      if (!Array.isArray(o.idf) || o.idf.length !== o.vocabulary.length || !o.idf.every((x) => typeof x === "number")) throw new TypeError(`${op}: idf must hold one number per vocabulary term`);
      v.idfs = Float64Array.from(o.idf);
    } else if (v.useIdf) throw new TypeError(`${op}: idf is missing but useIdf is true`);
    return v;
  }
}

function checkVectorizerJSON(op: string, json: unknown, kind: VectorizerJSON["kind"]): VectorizerJSON {
  const o = json as Partial<VectorizerJSON> | null;
  if (o?.kind !== kind) throw new TypeError(`${op}: expected kind "${kind}", got ${JSON.stringify(o?.kind)}`);
  for (const f of ["clean", "tokenizer", "ngramRange", "binary", "vocabulary", "fitOptions"] as const) if (o[f] === undefined) throw new TypeError(`${op}: field "${f}" is missing`);
  if (!Array.isArray(o.vocabulary) || !o.vocabulary.every((t) => typeof t === "string")) throw new TypeError(`${op}: vocabulary must be an array of strings`);
  return o as VectorizerJSON;
}

function optionsFromJSON(op: string, o: VectorizerJSON): CountVectorizerOptions {
  return {
    clean: checkCleanOptions(op, o.clean), tokenizer: stringTokenizerFromJSON(o.tokenizer), ngramRange: o.ngramRange, binary: o.binary,
    minDf: o.fitOptions.minDf, maxDf: o.fitOptions.maxDf, maxFeatures: o.fitOptions.maxFeatures ?? undefined,
  };
}
