// Exports the zoo's GPT2 to GGUF with llama.cpp's "gpt2" tensor names, so a model trained in Ingot runs
// in llama.cpp (and behind the OpenAI routes) unchanged. Ingot's Linear weights are [out, in], which is
// exactly the row-major layout llama.cpp expects, so no tensor is transposed.
import type { BpeTokenizer } from "../data/text/bpe.js";
import type { GPT2 } from "../models/gpt2.js";
import type { Tensor } from "../tensor/tensor.js";
import { bpeToGgufVocab, ggufTokenizerMetadata } from "./gguf/bpe-vocab.js";
import { GgufError } from "./gguf/errors.js";
import type { GgufValue } from "./gguf/types.js";
import { writeGguf, type GgufTensorInput } from "./gguf/writer.js";

/** Options of exportGpt2ToGguf. */
export interface ExportGpt2Options {
  /** The byte-level BPE tokenizer the model was trained with; its ids must match the model's. */
  tokenizer: BpeTokenizer;
  /** Special tokens used as BOS and EOS (default: the tokenizer's last special token for both). */
  bos?: string;
  eos?: string;
  /** general.name (default "ingot-gpt2"). */
  name?: string;
  /** Matrix weight type (default F32; norms and biases stay F32). */
  type?: "F32" | "F16";
  /** A chat template (Jinja) to embed, e.g. CHATML_TEMPLATE. */
  chatTemplate?: string;
}

/** Maps Ingot's GPT2 parameter names to llama.cpp's gpt2 tensor names. */
export function gpt2TensorName(name: string): string {
  const fixed: Record<string, string> = {
    "wte.weight": "token_embd.weight", "wpe.weight": "position_embd.weight", "lnF.weight": "output_norm.weight", "lnF.bias": "output_norm.bias",
  };
  if (fixed[name]) return fixed[name];
  const m = /^h\.(\d+)\.(ln1|attn\.cAttn|attn\.cProj|ln2|cFc|cProj)\.(weight|bias)$/.exec(name);
  if (!m) throw new GgufError("exportGpt2ToGguf", `parameter ${name} has no llama.cpp gpt2 tensor`);
  const part = { ln1: "attn_norm", "attn.cAttn": "attn_qkv", "attn.cProj": "attn_output", ln2: "ffn_norm", cFc: "ffn_up", cProj: "ffn_down" }[m[2]];
  return `blk.${m[1]}.${part}.${m[3]}`;
}

function values(t: Tensor): Float32Array {
  const d = t.dataSync();
  return d instanceof Float32Array ? Float32Array.from(d) : Float32Array.from(d as ArrayLike<number>);
}

/**
 * Writes `model` as a llama.cpp "gpt2" GGUF with its tokenizer. The tokenizer must have exactly the
 * model's vocabulary size (llama.cpp sizes the output from the token list).
 */
export async function exportGpt2ToGguf(model: GPT2, path: string, opts: ExportGpt2Options): Promise<void> {
  const c = model.config;
  const tok = opts.tokenizer;
  if (tok.vocabSize !== c.vocabSize) {
    throw new GgufError("exportGpt2ToGguf", `the tokenizer has ${tok.vocabSize} tokens but the model's vocabSize is ${c.vocabSize}; they must match`);
  }
  const specials = tok.specialTokens;
  if (!specials.length && (!opts.bos || !opts.eos)) throw new GgufError("exportGpt2ToGguf", "the tokenizer has no special tokens to use as BOS/EOS");
  const bos = tok.specialId(opts.bos ?? specials[specials.length - 1]);
  const eos = tok.specialId(opts.eos ?? specials[specials.length - 1]);
  const wtype = opts.type ?? "F32";
  const tensors: GgufTensorInput[] = [];
  for (const [name, p] of model.namedParameters()) {
    const isMatrix = p.shape.length === 2;
    tensors.push({ name: gpt2TensorName(name), shape: [...p.shape], type: isMatrix ? wtype : "F32", data: values(p) });
  }
  // the head is tied to the token embedding in Ingot; llama.cpp would tie it too, but an explicit
  // output tensor keeps older llama.cpp builds working
  tensors.push({ name: "output.weight", shape: [...model.wte.weight.shape], type: wtype, data: values(model.wte.weight) });
  const metadata: Record<string, GgufValue> = {
    "general.architecture": "gpt2",
    "general.name": opts.name ?? "ingot-gpt2",
    "general.file_type": { type: "u32", value: wtype === "F32" ? 0 : 1 },
    "gpt2.context_length": { type: "u32", value: c.nPositions },
    "gpt2.embedding_length": { type: "u32", value: c.nEmbd },
    "gpt2.feed_forward_length": { type: "u32", value: 4 * c.nEmbd },
    "gpt2.block_count": { type: "u32", value: c.nLayer },
    "gpt2.attention.head_count": { type: "u32", value: c.nHead },
    "gpt2.attention.layer_norm_epsilon": { type: "f32", value: c.layerNormEps },
    ...ggufTokenizerMetadata(bpeToGgufVocab(tok), { bos, eos }, opts.chatTemplate),
  };
  await writeGguf(path, { metadata, tensors });
}
