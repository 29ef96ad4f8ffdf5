// Ingot's byte-level BpeTokenizer as a GGUF "gpt2" tokenizer: the same ids, each token spelled in
// GPT-2's byte-to-unicode alphabet (so spaces and control bytes are printable and merges can be written
// as "left right"), merges in rank order, special tokens marked as control tokens.
import type { BpeTokenizer } from "../../data/text/bpe.js";

/** GGUF token types (llama.cpp's llama_token_type). */
export const GGUF_TOKEN_NORMAL = 1;
export const GGUF_TOKEN_CONTROL = 3;

/** GPT-2's byte → printable character table. */
export function byteToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  return table;
}

/** A "gpt2" tokenizer's GGUF arrays. */
export interface GgufBpeVocab {
  tokens: string[];
  tokenTypes: number[];
  merges: string[];
}

/** The GGUF vocabulary of a BpeTokenizer; token ids are unchanged. */
export function bpeToGgufVocab(tok: BpeTokenizer): GgufBpeVocab {
  const table = byteToUnicode();
  const tokens: string[] = table.slice();
  const tokenTypes: number[] = new Array<number>(256).fill(GGUF_TOKEN_NORMAL);
  const merges: string[] = [];
  for (const [a, b] of tok.merges) {
    merges.push(`${tokens[a]} ${tokens[b]}`);
    tokens.push(tokens[a] + tokens[b]);
    tokenTypes.push(GGUF_TOKEN_NORMAL);
  }
  for (const s of tok.specialTokens) {
    tokens.push(s);
    tokenTypes.push(GGUF_TOKEN_CONTROL);
  }
  return { tokens, tokenTypes, merges };
}

/** GGUF metadata for a "gpt2" tokenizer (ids of bos/eos given by the caller). */
export function ggufTokenizerMetadata(vocab: GgufBpeVocab, ids: { bos: number; eos: number; pad?: number }, chatTemplate?: string): Record<string, import("./types.js").GgufValue> {
  const meta: Record<string, import("./types.js").GgufValue> = {
    "tokenizer.ggml.model": "gpt2",
    "tokenizer.ggml.pre": "gpt-2",
    "tokenizer.ggml.tokens": { type: "array", itemType: "string", value: vocab.tokens },
    "tokenizer.ggml.token_type": { type: "array", itemType: "i32", value: vocab.tokenTypes },
    "tokenizer.ggml.merges": { type: "array", itemType: "string", value: vocab.merges },
    "tokenizer.ggml.bos_token_id": { type: "u32", value: ids.bos },
    "tokenizer.ggml.eos_token_id": { type: "u32", value: ids.eos },
    "tokenizer.ggml.add_bos_token": false,
  };
  if (ids.pad !== undefined) meta["tokenizer.ggml.padding_token_id"] = { type: "u32", value: ids.pad };
  if (chatTemplate !== undefined) meta["tokenizer.chat_template"] = chatTemplate;
  return meta;
}
