// Byte-level BPE (the GPT-2 scheme): text is split into word-like pieces, each piece's UTF-8 bytes are the
// initial symbols (ids 0..255), and training learns merges of the most frequent adjacent pair. Because
// every byte has an id, any string encodes with no unknown token, and decoding the bytes gives the
// exact input back.

/** BpeTokenizer.train options. */
export interface BpeTrainOptions {
  /** Final vocabulary size: 256 bytes + merges + special tokens (>= 256 + specials). */
  vocabSize: number;
  /** Pairs seen fewer times than this are not merged (default 2). */
  minFrequency?: number;
  /** Tokens appended after the merges, never produced from text (default ["<pad>", "<bos>", "<eos>"]). */
  specialTokens?: readonly string[];
}

/** A BpeTokenizer's JSON form: merges as id pairs in rank order. */
export interface BpeJSON {
  kind: "bpe";
  merges: [number, number][];
  specialTokens: string[];
}

// GPT-2's pre-tokenizer: contractions, optionally space-led letter/number/other runs, whitespace.
const PIECE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8 = new TextEncoder();

/** Splits text into pieces whose concatenation is exactly the text (gaps, if any, become pieces). */
export function preTokenize(text: string): string[] {
  const out: string[] = [];
  let at = 0;
  for (const m of text.matchAll(PIECE)) {
    if (m.index > at) out.push(text.slice(at, m.index));
    out.push(m[0]);
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

const pairKey = (a: number, b: number): number => a * 0x200000 + b; // ids < 2^21: one exact number

/** A trained byte-level BPE tokenizer: encode(text) → ids, decode(ids) → text. */
export class BpeTokenizer {
  /** Merge rank by pair key; the merged token's id is 256 + rank. */
  private readonly ranks = new Map<number, number>();
  /** Each id's bytes (special tokens: their UTF-8). */
  private readonly bytes: Uint8Array[] = [];
  private readonly specialIds = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();

  private constructor(readonly merges: readonly [number, number][], readonly specialTokens: readonly string[]) {
    for (let b = 0; b < 256; b++) this.bytes.push(Uint8Array.of(b));
    merges.forEach(([a, b], r) => {
      const id = 256 + r;
      if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= id || b >= id) {
        throw new RangeError(`BpeTokenizer: merge ${r} [${a}, ${b}] refers to an id not defined before it`);
      }
      this.ranks.set(pairKey(a, b), r);
      const m = new Uint8Array(this.bytes[a].length + this.bytes[b].length);
      m.set(this.bytes[a]);
      m.set(this.bytes[b], this.bytes[a].length);
      this.bytes.push(m);
    });
    for (const s of specialTokens) {
      if (typeof s !== "string" || s === "") throw new TypeError(`BpeTokenizer: special tokens must be non-empty strings, got ${JSON.stringify(s)}`);
      if (this.specialIds.has(s)) throw new TypeError(`BpeTokenizer: duplicate special token ${JSON.stringify(s)}`);
      this.specialIds.set(s, this.bytes.length);
      this.bytes.push(utf8.encode(s));
    }
  }

  /** Learns merges from `texts` until the vocabulary reaches vocabSize or no pair is frequent enough. */
  static train(texts: Iterable<string>, opts: BpeTrainOptions): BpeTokenizer {
    const specials = [...(opts.specialTokens ?? ["<pad>", "<bos>", "<eos>"])];
    const minFreq = opts.minFrequency ?? 2;
    if (!Number.isInteger(opts.vocabSize) || opts.vocabSize < 256 + specials.length) {
      throw new RangeError(`BpeTokenizer.train: vocabSize must be an integer >= ${256 + specials.length} (256 bytes + ${specials.length} special tokens), got ${opts.vocabSize}`);
    }
    const counts = new Map<string, number>();
    for (const text of texts) {
      if (typeof text !== "string") throw new TypeError(`BpeTokenizer.train: texts must be strings, got ${typeof text}`);
      for (const p of preTokenize(text)) counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    const words = [...counts].map(([p, n]) => ({ ids: Array.from(utf8.encode(p)), n }));
    const merges: [number, number][] = [];
    const target = opts.vocabSize - 256 - specials.length;
    while (merges.length < target) {
      const pairs = new Map<number, number>();
      for (const w of words) for (let i = 0; i + 1 < w.ids.length; i++) {
        const k = pairKey(w.ids[i], w.ids[i + 1]);
        pairs.set(k, (pairs.get(k) ?? 0) + w.n);
      }
      let best = -1;
      let bestN = 0;
      for (const [k, n] of pairs) if (n > bestN || (n === bestN && k < best)) { best = k; bestN = n; } // ties: smallest ids, deterministic
      if (best < 0 || bestN < minFreq) break;
      const a = Math.floor(best / 0x200000);
      const b = best % 0x200000;
      const id = 256 + merges.length;
      merges.push([a, b]);
      for (const w of words) w.ids = mergePair(w.ids, a, b, id);
    }
    return new BpeTokenizer(merges, specials);
  }

  /** Number of ids: 256 + merges + special tokens. */
  get vocabSize(): number {
    return this.bytes.length;
  }

  /** A special token's id; throws if it is not one. */
  specialId(token: string): number {
    const id = this.specialIds.get(token);
    if (id === undefined) throw new Error(`BpeTokenizer: ${JSON.stringify(token)} is not a special token (have: ${this.specialTokens.join(", ") || "none"})`);
    return id;
  }

  /** Token ids of `text` (special-token strings in the text are encoded as ordinary bytes). */
  encode(text: string): number[] {
    if (typeof text !== "string") throw new TypeError(`BpeTokenizer.encode: text must be a string, got ${typeof text}`);
    if (LONE_SURROGATE.test(text)) throw new Error("BpeTokenizer.encode: text holds a lone UTF-16 surrogate, which UTF-8 cannot represent");
    const out: number[] = [];
    for (const p of preTokenize(text)) {
      let ids = this.cache.get(p);
      if (!ids) {
        ids = this.mergeAll(Array.from(utf8.encode(p)));
        if (this.cache.size < 100_000) this.cache.set(p, ids);
      }
      for (const id of ids) out.push(id);
    }
    return out;
  }

  // Applies merges lowest rank first, as training learned them.
  private mergeAll(ids: number[]): number[] {
    while (ids.length > 1) {
      let bestRank = Infinity;
      let at = -1;
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.ranks.get(pairKey(ids[i], ids[i + 1]));
        if (r !== undefined && r < bestRank) { bestRank = r; at = i; }
      }
      if (at < 0) break;
      const [a, b] = this.merges[bestRank];
      ids = mergePair(ids, a, b, 256 + bestRank);
    }
    return ids;
  }

  /** The text of `ids`; invalid UTF-8 (a sequence cut mid-character) decodes to U+FFFD. */
  decode(ids: readonly number[]): string {
    const parts: Uint8Array[] = [];
    let len = 0;
    ids.forEach((id, i) => {
      const b = this.bytes[id];
      if (!Number.isInteger(id) || b === undefined) throw new RangeError(`BpeTokenizer.decode: id ${id} at ${i} is outside 0..${this.vocabSize - 1}`);
      parts.push(b);
      len += b.length;
    });
    const all = new Uint8Array(len);
    let at = 0;
    for (const p of parts) { all.set(p, at); at += p.length; }
    return new TextDecoder("utf-8").decode(all);
  }

  /** The merges and special tokens as plain JSON. */
  toJSON(): BpeJSON {
    return { kind: "bpe", merges: this.merges.map(([a, b]) => [a, b]), specialTokens: [...this.specialTokens] };
  }

  /** Rebuilds a tokenizer from toJSON() output. */
  static fromJSON(json: unknown): BpeTokenizer {
    const o = json as Partial<BpeJSON> | null;
    if (o?.kind !== "bpe" || !Array.isArray(o.merges) || !Array.isArray(o.specialTokens)) {
      throw new TypeError('BpeTokenizer.fromJSON: expected {kind: "bpe", merges: [[a, b], ...], specialTokens: [...]}');
    }
    for (const [i, m] of o.merges.entries()) if (!Array.isArray(m) || m.length !== 2) throw new TypeError(`BpeTokenizer.fromJSON: merges[${i}] must be a pair of ids`);
    return new BpeTokenizer(o.merges, o.specialTokens);
  }
}

function mergePair(ids: number[], a: number, b: number, id: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) { out.push(id); i++; }
    else out.push(ids[i]);
  }
  return out;
}
