// Char and word/regex tokenizers: strings → token strings. Both serialise to JSON so the exact split used
// in training is reused at serving time. (Byte-level BPE is in bpe.ts.)

/** A tokenizer that splits text into token strings. */
export interface StringTokenizer {
  /** The tokens of `text`. */
  tokenize(text: string): string[];
  /** The configuration as plain JSON. */
  toJSON(): TokenizerJSON;
}

/** A tokenizer's JSON form. */
export type TokenizerJSON =
  | { kind: "char" }
  | { kind: "regex"; pattern: string; flags: string };

/** Splits into Unicode code points (not UTF-16 units, so emoji stay whole). */
export class CharTokenizer implements StringTokenizer {
  tokenize(text: string): string[] {
    return Array.from(text);
  }

  toJSON(): TokenizerJSON {
    return { kind: "char" };
  }
}

/**
 * scikit-learn's default token pattern `(?u)\b\w\w+\b` (runs of 2+ word characters) in JS: \w in JS is
 * ASCII-only, so Unicode letters and digits are spelled out.
 */
export const DEFAULT_TOKEN_PATTERN = "[\\p{L}\\p{N}_]{2,}";

/** Tokens are the matches of a regular expression (default: words of 2+ letters/digits, as scikit-learn). */
export class RegexTokenizer implements StringTokenizer {
  private readonly re: RegExp;

  constructor(pattern: string = DEFAULT_TOKEN_PATTERN, flags = "u") {
    if (typeof pattern !== "string") throw new TypeError(`RegexTokenizer: pattern must be a string, got ${typeof pattern}`);
    const f = flags.includes("g") ? flags : `${flags}g`;
    try {
      this.re = new RegExp(pattern, f);
    } catch (e) {
      throw new SyntaxError(`RegexTokenizer: invalid pattern ${JSON.stringify(pattern)}: ${(e as Error).message}`);
    }
    if (this.re.test("")) throw new SyntaxError(`RegexTokenizer: pattern ${JSON.stringify(pattern)} matches the empty string`);
  }

  tokenize(text: string): string[] {
    return Array.from(text.matchAll(this.re), (m) => m[0]);
  }

  toJSON(): TokenizerJSON {
    return { kind: "regex", pattern: this.re.source, flags: this.re.flags.replace("g", "") };
  }
}

/** Splits on whitespace (a RegexTokenizer matching non-space runs). */
export function whitespaceTokenizer(): RegexTokenizer {
  return new RegexTokenizer("\\S+", "u");
}

/** Rebuilds a char or regex tokenizer from toJSON() output. */
export function stringTokenizerFromJSON(json: unknown): StringTokenizer {
  const o = json as { kind?: unknown; pattern?: unknown; flags?: unknown } | null;
  if (o?.kind === "char") return new CharTokenizer();
  if (o?.kind === "regex" && typeof o.pattern === "string" && typeof o.flags === "string") return new RegexTokenizer(o.pattern, o.flags);
  throw new TypeError(`stringTokenizerFromJSON: expected {kind: "char"} or {kind: "regex", pattern, flags}, got ${JSON.stringify(json)}`);
}

/** Word n-grams from minN to maxN, joined by a space (scikit-learn's analyzer="word" order: by n, then position). */
export function ngrams(tokens: readonly string[], minN = 1, maxN = minN): string[] {
  if (!Number.isInteger(minN) || !Number.isInteger(maxN) || minN < 1 || maxN < minN) throw new RangeError(`ngrams: need integers 1 <= minN <= maxN, got minN=${minN}, maxN=${maxN}`);
  const out: string[] = [];
  for (let n = minN; n <= maxN; n++) {
    for (let i = 0; i + n <= tokens.length; i++) out.push(n === 1 ? tokens[i] : tokens.slice(i, i + n).join(" "));
  }
  return out;
}
