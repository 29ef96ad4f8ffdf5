// Text → padded token-id tensor, as one fitted, serialisable unit: cleaning, a tokenizer (char/regex with
// a Vocabulary fitted on training text, or a trained byte-level BPE), optional bos/eos, pad/truncate.
import { BpeTokenizer, type BpeJSON } from "./bpe.js";
import { checkCleanOptions, cleanText, type CleanOptions } from "./clean.js";
import { padSequences, type PaddedSequences } from "./pad.js";
import { stringTokenizerFromJSON, type StringTokenizer, type TokenizerJSON } from "./tokenizers.js";
import { Vocabulary, type VocabularyJSON, type VocabularyOptions } from "./vocabulary.js";

/** SequenceEncoder options. */
export interface SequenceEncoderOptions {
  /** Cleaning before tokenizing (default none). */
  clean?: CleanOptions;
  /** A char/regex tokenizer (a Vocabulary is fitted) or a trained BpeTokenizer (ids are its own). */
  tokenizer: StringTokenizer | BpeTokenizer;
  /** Output length L. */
  maxLength: number;
  /** Vocabulary options for string tokenizers (minFreq, maxSize, specials). */
  vocabulary?: VocabularyOptions;
  /** Prepend bos / append eos (default false); they count toward maxLength. */
  addBos?: boolean;
  addEos?: boolean;
  /** Which end is cut from a too-long text (default "post"). */
  truncation?: "pre" | "post";
}

/** A SequenceEncoder's JSON form. */
export interface SequenceEncoderJSON {
  kind: "SequenceEncoder";
  clean: CleanOptions;
  tokenizer: TokenizerJSON | BpeJSON;
  vocabulary: VocabularyJSON | null;
  maxLength: number;
  addBos: boolean;
  addEos: boolean;
  truncation: "pre" | "post";
}

/** Fitted text → {ids int32 [N, L], mask bool [N, L]}. */
export class SequenceEncoder {
  readonly clean: CleanOptions;
  readonly tokenizer: StringTokenizer | BpeTokenizer;
  readonly maxLength: number;
  readonly addBos: boolean;
  readonly addEos: boolean;
  readonly truncation: "pre" | "post";
  private readonly vocabOptions: VocabularyOptions;
  private vocab: Vocabulary | null = null;

  constructor(opts: SequenceEncoderOptions) {
    if (!opts || typeof opts !== "object" || !opts.tokenizer) throw new TypeError("SequenceEncoder: options need a tokenizer");
    this.clean = opts.clean ?? {};
    this.tokenizer = opts.tokenizer;
    this.maxLength = opts.maxLength;
    if (!Number.isInteger(this.maxLength) || this.maxLength < 1) throw new RangeError(`SequenceEncoder: maxLength must be an integer >= 1, got ${opts.maxLength}`);
    this.addBos = opts.addBos ?? false;
    this.addEos = opts.addEos ?? false;
    this.truncation = opts.truncation ?? "post";
    this.vocabOptions = opts.vocabulary ?? {};
  }

  private get isBpe(): boolean {
    return this.tokenizer instanceof BpeTokenizer;
  }

  /** Fits the vocabulary on training texts (a BPE tokenizer is already trained: nothing to fit). */
  fit(texts: readonly string[]): this {
    if (!this.isBpe) this.vocab = Vocabulary.build(texts.map((t) => (this.tokenizer as StringTokenizer).tokenize(cleanText(t, this.clean))), this.vocabOptions);
    return this;
  }

  /** The fitted vocabulary (null with BPE). */
  get vocabulary(): Vocabulary | null {
    return this.vocab;
  }

  private specialId(which: "pad" | "bos" | "eos"): number {
    if (this.tokenizer instanceof BpeTokenizer) return this.tokenizer.specialId(`<${which}>`);
    if (this.vocab === null) throw new Error("SequenceEncoder: not fitted; call fit(trainTexts) first");
    return this.vocab.specialId(which);
  }

  /** Ids of one text, before padding (bos/eos added, truncated to maxLength). */
  encodeOne(text: string): number[] {
    const t = cleanText(text, this.clean);
    let ids: number[];
    if (this.tokenizer instanceof BpeTokenizer) ids = this.tokenizer.encode(t);
    else {
      if (this.vocab === null) throw new Error("SequenceEncoder: not fitted; call fit(trainTexts) first");
      ids = this.vocab.encode(this.tokenizer.tokenize(t));
    }
    // truncate the body first so bos/eos survive truncation
    const room = this.maxLength - (this.addBos ? 1 : 0) - (this.addEos ? 1 : 0);
    if (room < 0) throw new RangeError(`SequenceEncoder: maxLength ${this.maxLength} leaves no room for bos/eos`);
    if (ids.length > room) ids = this.truncation === "pre" ? ids.slice(ids.length - room) : ids.slice(0, room);
    return [...(this.addBos ? [this.specialId("bos")] : []), ...ids, ...(this.addEos ? [this.specialId("eos")] : [])];
  }

  /** Token ids int32 [N, maxLength] padded with the pad id, and the mask of real tokens. */
  transform(texts: readonly string[]): PaddedSequences {
    if (!Array.isArray(texts)) throw new TypeError("SequenceEncoder.transform: texts must be an array of strings");
    return padSequences(texts.map((t) => this.encodeOne(t)), { maxLength: this.maxLength, padId: this.specialId("pad") });
  }

  /** fit(texts) then transform(texts). */
  fitTransform(texts: readonly string[]): PaddedSequences {
    return this.fit(texts).transform(texts);
  }

  /** The fitted encoder as plain JSON. */
  toJSON(): SequenceEncoderJSON {
    if (!this.isBpe && this.vocab === null) throw new Error("SequenceEncoder: not fitted; call fit(trainTexts) first");
    return {
      kind: "SequenceEncoder", clean: { ...this.clean }, tokenizer: this.tokenizer.toJSON(), vocabulary: this.vocab?.toJSON() ?? null,
      maxLength: this.maxLength, addBos: this.addBos, addEos: this.addEos, truncation: this.truncation,
    };
  }

  /** Rebuilds a fitted encoder from toJSON() output. */
  static fromJSON(json: unknown): SequenceEncoder {
    const op = "SequenceEncoder.fromJSON";
    const o = json as Partial<SequenceEncoderJSON> | null;
    if (o?.kind !== "SequenceEncoder" || !o.tokenizer || o.maxLength === undefined) throw new TypeError(`${op}: expected {kind: "SequenceEncoder", tokenizer, vocabulary, maxLength, ...}`);
    const tokenizer = o.tokenizer.kind === "bpe" ? BpeTokenizer.fromJSON(o.tokenizer) : stringTokenizerFromJSON(o.tokenizer);
    const e = new SequenceEncoder({ clean: checkCleanOptions(op, o.clean ?? {}), tokenizer, maxLength: o.maxLength, addBos: o.addBos, addEos: o.addEos, truncation: o.truncation });
    if (!(tokenizer instanceof BpeTokenizer)) {
      if (!o.vocabulary) throw new TypeError(`${op}: a ${o.tokenizer.kind} tokenizer needs its fitted vocabulary`);
      e.vocab = Vocabulary.fromJSON(o.vocabulary);
    }
    return e;
  }
}
