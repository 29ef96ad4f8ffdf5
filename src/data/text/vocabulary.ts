// Token string ↔ id mapping built from training tokens: special tokens first (so pad is 0), then tokens
// by descending frequency (ties alphabetical, so the same corpus always gives the same ids), with
// rare tokens (below minFreq) mapped to unk.

/** The special tokens a Vocabulary reserves; any may be left out with null. */
export interface SpecialTokens {
  pad: string | null;
  unk: string | null;
  bos: string | null;
  eos: string | null;
}

/** Vocabulary.build options. */
export interface VocabularyOptions {
  /** Tokens seen fewer times are left out (encode as unk). Default 1. */
  minFreq?: number;
  /** At most this many tokens in all, specials included. */
  maxSize?: number;
  /** Default {pad: "<pad>", unk: "<unk>", bos: "<bos>", eos: "<eos>"}. */
  specials?: Partial<SpecialTokens>;
}

/** A Vocabulary's JSON form. */
export interface VocabularyJSON {
  kind: "vocabulary";
  tokens: string[];
  specials: SpecialTokens;
}

const DEFAULT_SPECIALS: SpecialTokens = { pad: "<pad>", unk: "<unk>", bos: "<bos>", eos: "<eos>" };

/** A fixed token ↔ id mapping. */
export class Vocabulary {
  private readonly index: Map<string, number>;

  private constructor(readonly tokens: readonly string[], readonly specials: SpecialTokens) {
    this.index = new Map(tokens.map((t, i) => [t, i]));
    if (this.index.size !== tokens.length) throw new TypeError("Vocabulary: tokens must be distinct");
    for (const s of Object.values(specials)) if (s !== null && !this.index.has(s)) throw new TypeError(`Vocabulary: special token ${JSON.stringify(s)} is not in the token list`);
  }

  /** Counts tokens over the training documents and keeps those seen at least minFreq times. */
  static build(documents: Iterable<readonly string[]>, opts: VocabularyOptions = {}): Vocabulary {
    const minFreq = opts.minFreq ?? 1;
    if (!Number.isInteger(minFreq) || minFreq < 1) throw new RangeError(`Vocabulary.build: minFreq must be an integer >= 1, got ${minFreq}`);
    const specials: SpecialTokens = { ...DEFAULT_SPECIALS, ...opts.specials };
    const specialList = [specials.pad, specials.unk, specials.bos, specials.eos].filter((s): s is string => s !== null);
    if (new Set(specialList).size !== specialList.length) throw new TypeError(`Vocabulary.build: special tokens must be distinct, got ${JSON.stringify(specials)}`);
    const maxSize = opts.maxSize ?? Infinity;
    if (maxSize < specialList.length) throw new RangeError(`Vocabulary.build: maxSize ${maxSize} cannot hold the ${specialList.length} special tokens`);
    const counts = new Map<string, number>();
    for (const doc of documents) for (const t of doc) counts.set(t, (counts.get(t) ?? 0) + 1);
    const reserved = new Set(specialList);
    const kept = [...counts]
      .filter(([t, n]) => n >= minFreq && !reserved.has(t))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxSize - specialList.length)
      .map(([t]) => t);
    return new Vocabulary([...specialList, ...kept], specials);
  }

  /** Number of tokens, specials included. */
  get size(): number {
    return this.tokens.length;
  }

  /** The id of `token`, or undefined if it is not in the vocabulary. */
  get(token: string): number | undefined {
    return this.index.get(token);
  }

  /** The id of a special token; throws if that special was left out. */
  specialId(which: keyof SpecialTokens): number {
    const s = this.specials[which];
    if (s === null) throw new Error(`Vocabulary: no ${which} token (it was built with specials.${which} = null)`);
    return this.index.get(s) as number;
  }

  /** Ids of `tokens`; unknown tokens get the unk id (throws if there is no unk token). */
  encode(tokens: readonly string[]): number[] {
    const unk = this.specials.unk === null ? -1 : (this.index.get(this.specials.unk) as number);
    return tokens.map((t) => {
      const id = this.index.get(t);
      if (id !== undefined) return id;
      if (unk < 0) throw new Error(`Vocabulary.encode: token ${JSON.stringify(t)} is unknown and the vocabulary has no unk token`);
      return unk;
    });
  }

  /** Tokens of `ids`. */
  decode(ids: readonly number[]): string[] {
    return ids.map((id, i) => {
      const t = this.tokens[id];
      if (t === undefined) throw new RangeError(`Vocabulary.decode: id ${id} at ${i} is outside 0..${this.size - 1}`);
      return t;
    });
  }

  /** The tokens and specials as plain JSON. */
  toJSON(): VocabularyJSON {
    return { kind: "vocabulary", tokens: [...this.tokens], specials: { ...this.specials } };
  }

  /** Rebuilds a vocabulary from toJSON() output. */
  static fromJSON(json: unknown): Vocabulary {
    const o = json as Partial<VocabularyJSON> | null;
    if (o?.kind !== "vocabulary" || !Array.isArray(o.tokens) || !o.tokens.every((t) => typeof t === "string") || o.specials === null || typeof o.specials !== "object") {
      throw new TypeError('Vocabulary.fromJSON: expected {kind: "vocabulary", tokens: string[], specials: {pad, unk, bos, eos}}');
    }
    return new Vocabulary(o.tokens, { ...DEFAULT_SPECIALS, ...o.specials });
  }
}
