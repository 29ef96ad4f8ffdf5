// A tiny llama-architecture GGUF with random weights and a byte-level BPE tokenizer, so the runtime,
// the OpenAI routes and their tests run against a real llama.cpp model with no download.
import { BpeTokenizer } from "../../data/text/bpe.js";
import { mulberry32 } from "../../tensor/random.js";
import { bpeToGgufVocab, ggufTokenizerMetadata } from "./bpe-vocab.js";
import type { GgufTensorInput } from "./writer.js";
import { writeGguf } from "./writer.js";

/** ChatML, the template the tiny model carries (llama.cpp and node-llama-cpp both recognise it). */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** The tiny model's special tokens, after the byte and merge tokens. */
export const TINY_SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] as const;

const DEFAULT_CORPUS = [
  "The quick brown fox jumps over the lazy dog. The dog sleeps in the sun.",
  "Hello world! Hello there, how are you today? I am fine, thank you.",
  "Ingot trains, serves and watches models. A model is a function from inputs to outputs.",
  "{\"name\": \"Ada\", \"age\": 36, \"tags\": [\"math\", \"code\"]} true false null 0 1 2 3 4 5 6 7 8 9",
  "the and of to in is it that for on with as at by from this was are be or an",
];

/** Options of writeTinyLlama. */
export interface TinyLlamaOptions {
  /** Texts the tokenizer learns its merges from (default: a few built-in sentences). */
  corpus?: string[];
  /** Tokenizer size including the 256 byte tokens and 3 special tokens (default 320). */
  vocabSize?: number;
  nLayer?: number;
  nEmbd?: number;
  nHead?: number;
  nFF?: number;
  /** Training context length written to the file (default 512). */
  context?: number;
  /** Seed of the random weights. */
  seed?: number;
  /** Weight type of the matrices (norms are always F32). */
  type?: "F32" | "F16";
  /** general.name. */
  name?: string;
}

/** Normal(0, std) values from a seeded generator (Box-Muller). */
export function seededNormal(n: number, std: number, next: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(next(), 1e-12);
    const v = next();
    const r = std * Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * Writes a llama-architecture GGUF with random weights, a byte-level BPE tokenizer ("gpt2" model in
 * GGUF terms) and a ChatML chat template. Returns the tokenizer so tests can compare token ids.
 */
export async function writeTinyLlama(path: string, opts: TinyLlamaOptions = {}): Promise<BpeTokenizer> {
  const nLayer = opts.nLayer ?? 2;
  const d = opts.nEmbd ?? 64;
  const nHead = opts.nHead ?? 4;
  const ff = opts.nFF ?? 128;
  const ctx = opts.context ?? 512;
  const wtype = opts.type ?? "F32";
  if (d % nHead !== 0) throw new RangeError(`writeTinyLlama: nEmbd ${d} is not divisible by nHead ${nHead}`);
  const tok = BpeTokenizer.train(opts.corpus ?? DEFAULT_CORPUS, { vocabSize: opts.vocabSize ?? 320, minFrequency: 1, specialTokens: TINY_SPECIAL_TOKENS });
  const vocab = bpeToGgufVocab(tok);
  const nVocab = vocab.tokens.length;
  const next = mulberry32(opts.seed ?? 1);
  const tensors: GgufTensorInput[] = [];
  const matrix = (name: string, rows: number, cols: number, std = 0.08): void => {
    tensors.push({ name, shape: [rows, cols], type: wtype, data: seededNormal(rows * cols, std, next) });
  };
  const norm = (name: string): void => {
    tensors.push({ name, shape: [d], type: "F32", data: new Float32Array(d).fill(1) });
  };
  matrix("token_embd.weight", nVocab, d, 1);
  for (let l = 0; l < nLayer; l++) {
    norm(`blk.${l}.attn_norm.weight`);
    matrix(`blk.${l}.attn_q.weight`, d, d);
    matrix(`blk.${l}.attn_k.weight`, d, d);
    matrix(`blk.${l}.attn_v.weight`, d, d);
    matrix(`blk.${l}.attn_output.weight`, d, d);
    norm(`blk.${l}.ffn_norm.weight`);
    matrix(`blk.${l}.ffn_gate.weight`, ff, d);
    matrix(`blk.${l}.ffn_up.weight`, ff, d);
    matrix(`blk.${l}.ffn_down.weight`, d, ff);
  }
  norm("output_norm.weight");
  matrix("output.weight", nVocab, d, 0.2);
  const [bos, , eos] = TINY_SPECIAL_TOKENS.map((s) => tok.specialId(s));
  await writeGguf(path, {
    metadata: {
      "general.architecture": "llama",
      "general.name": opts.name ?? "ingot-tiny-llama",
      "general.file_type": { type: "u32", value: wtype === "F32" ? 0 : 1 },
      "llama.context_length": { type: "u32", value: ctx },
      "llama.embedding_length": { type: "u32", value: d },
      "llama.feed_forward_length": { type: "u32", value: ff },
      "llama.block_count": { type: "u32", value: nLayer },
      "llama.attention.head_count": { type: "u32", value: nHead },
      "llama.attention.head_count_kv": { type: "u32", value: nHead },
      "llama.attention.layer_norm_rms_epsilon": { type: "f32", value: 1e-5 },
      "llama.rope.dimension_count": { type: "u32", value: d / nHead },
      "llama.rope.freq_base": { type: "f32", value: 10000 },
      "llama.vocab_size": { type: "u32", value: nVocab },
      ...ggufTokenizerMetadata(vocab, { bos, eos, pad: bos }, CHATML_TEMPLATE),
    },
    tensors,
  });
  return tok;
}
