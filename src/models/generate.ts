// Autoregressive generation with a KV cache: the prompt runs once, then each new token costs one
// position's worth of work. Plain greedy decoding stays on the device (argmax there, no host round trip
// per token); anything that needs the logits on the host (sampling, repetition penalty, stop conditions)
// reads the last position back and picks with src/models/sampling.ts.
import { noGrad } from "../autograd/grad-mode.js";
import { argmax } from "../tensor/ops/reduce.js";
import { narrow, reshape } from "../tensor/ops/shape.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { scope, keep } from "../tensor/scope.js";
import { fmtShape, ShapeError } from "../tensor/shape.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { KVCache } from "./kv-cache.js";
import type { GPT2 } from "./gpt2.js";
import { checkSamplingOptions, pickToken, type SamplingOptions } from "./sampling.js";

/** Options of generate(). */
export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to add to each prompt. */
  maxNewTokens: number;
  /** Source of the draws when temperature > 0 (default: the global generator); seed it to reproduce. */
  generator?: Generator;
  /** A row stops once its decoded continuation contains one of these strings (needs `decode`). */
  stop?: readonly string[];
  /** Token ids → text, used to look for `stop` strings. */
  decode?: (ids: Int32Array) => string;
  /** Token ids that end a row (kept as its last token), e.g. an end-of-text id. */
  eosTokenId?: number | readonly number[];
  /** false recomputes the whole sequence for every token instead of using a KV cache (default true). */
  useCache?: boolean;
}

/** Token ids of several prompts: an int32 tensor [B, T], or one array per prompt (lengths may differ). */
export type PromptIds = Tensor | readonly ArrayLike<number>[];

/**
 * Continues each prompt by up to `maxNewTokens` tokens and returns the new tokens, one Int32Array per
 * prompt. A row ends early at an `eosTokenId` (kept) or at the token that completes a `stop` string
 * (kept; generateText cuts the text before the stop string). Prompts of different lengths run as
 * batches of equal length, so no padding ever reaches the attention.
 */
export function generate(model: GPT2, prompt: PromptIds, opts: GenerateOptions): Int32Array[] {
  checkGenerateOptions(opts);
  if (!Array.isArray(prompt)) return generateBatch(model, prompt as Tensor, opts);
  const rows = prompt as readonly ArrayLike<number>[];
  if (rows.length === 0) throw new ShapeError("generate", "needs at least one prompt");
  const out: Int32Array[] = new Array(rows.length);
  const byLength = new Map<number, number[]>();
  rows.forEach((r, i) => byLength.set(r.length, [...(byLength.get(r.length) ?? []), i]));
  for (const [len, idx] of byLength) {
    if (len === 0) throw new ShapeError("generate", `prompt ${idx[0]} is empty: give at least one token`);
    const ids = new Int32Array(idx.length * len);
    idx.forEach((r, k) => ids.set(Int32Array.from(rows[r]), k * len));
    const batch = tensor(ids, { shape: [idx.length, len], device: model.wte.weight.device });
    try {
      generateBatch(model, batch, opts).forEach((o, k) => (out[idx[k]] = o));
    } finally {
      batch.dispose();
    }
  }
  return out;
}

function checkGenerateOptions(opts: GenerateOptions): void {
  const n = opts.maxNewTokens;
  if (!Number.isInteger(n) || n < 1) throw new ShapeError("generate", `maxNewTokens must be a positive integer, got ${n}`);
  checkSamplingOptions("generate", opts);
  if (opts.stop !== undefined) {
    if (!opts.decode) throw new TypeError("generate: stop strings need a decode callback (token ids → text)");
    if (opts.stop.some((s) => typeof s !== "string" || s.length === 0)) throw new TypeError("generate: stop strings must be non-empty strings");
  }
}

function generateBatch(model: GPT2, prompt: Tensor, opts: GenerateOptions): Int32Array[] {
  const { nLayer, nHead, nEmbd, nPositions, vocabSize } = model.config;
  if (prompt.ndim !== 2 || prompt.dtype !== "int32" || prompt.shape[1] === 0) throw new ShapeError("generate", `prompt must be int32 token ids [B, T] with T ≥ 1, got ${prompt.dtype} ${fmtShape(prompt.shape)}`);
  const [b, t] = prompt.shape;
  const n = opts.maxNewTokens;
  if (t + n > nPositions) throw new ShapeError("generate", `prompt ${t} + ${n} new tokens exceed the context of ${nPositions}`);
  const useCache = opts.useCache ?? true;
  const eos = new Set(opts.eosTokenId === undefined ? [] : typeof opts.eosTokenId === "number" ? [opts.eosTokenId] : opts.eosTokenId);
  const stops = opts.stop ?? [];
  const onHost = !useCache || (opts.temperature ?? 0) > 0 || (opts.repetitionPenalty ?? 1) !== 1 || eos.size > 0 || stops.length > 0;
  const wasTraining = model.training;
  model.eval();
  try {
    if (!onHost) return greedyOnDevice(model, prompt, n);
    const gen = opts.generator ?? defaultGenerator;
    const promptIds = prompt.dataSync() as Int32Array;
    const seqs = Array.from({ length: b }, (_, r) => Array.from(promptIds.subarray(r * t, (r + 1) * t)));
    const done = new Array<boolean>(b).fill(false);
    const texts = new Array<string>(b).fill("");
    using cache = useCache ? new KVCache(nLayer, b, nHead, t + n, nEmbd / nHead, prompt.device) : null;
    noGrad(() => {
      let input: Tensor = prompt;
      for (let i = 0; i < n && done.includes(false); i++) {
        const logits = scope(() => {
          const all = cache ? model.call(input, cache) : model.call(input); // [B, len, V]
          return reshape(narrow(all, 1, all.shape[1] - 1, 1), [b, vocabSize]).dataSync() as Float32Array;
        });
        if (input !== prompt) input.dispose();
        for (let r = 0; r < b; r++) {
          if (done[r]) continue; // a finished row still rides along in the batch; its picks are dropped
          const id = pickToken(logits.subarray(r * vocabSize, (r + 1) * vocabSize), opts, seqs[r], gen);
          seqs[r].push(id);
          if (eos.has(id)) done[r] = true;
          else if (stops.length > 0) {
            const before = texts[r].length;
            texts[r] = (opts.decode as (ids: Int32Array) => string)(Int32Array.from(seqs[r].slice(t)));
            // only the new tail can complete a stop string that was not there before
            if (stops.some((s) => texts[r].includes(s, Math.max(0, before - s.length + 1)))) done[r] = true;
          }
        }
        const last = Int32Array.from(seqs, (s) => s[s.length - 1]);
        input = cache ? tensor(last, { shape: [b, 1], device: prompt.device }) : tensor(Int32Array.from(seqs.flat()), { shape: [b, seqs[0].length], device: prompt.device });
      }
      if (input !== prompt) input.dispose();
    });
    return seqs.map((s) => Int32Array.from(s.slice(t)));
  } finally {
    model.train(wasTraining);
  }
}

/** Greedy decoding with argmax on the device: the tokens come back to the host once, at the end. */
function greedyOnDevice(model: GPT2, prompt: Tensor, n: number): Int32Array[] {
  const { nLayer, nHead, nEmbd } = model.config;
  const [b, t] = prompt.shape;
  using cache = new KVCache(nLayer, b, nHead, t + n, nEmbd / nHead, prompt.device);
  const picked: Tensor[] = [];
  try {
    noGrad(() => {
      let input = prompt;
      for (let i = 0; i < n; i++) {
        const next = scope(() => {
          const logits = model.call(input, cache); // [B, t, V]
          const last = reshape(narrow(logits, 1, logits.shape[1] - 1, 1), [b, logits.shape[2]]);
          return keep(reshape(argmax(last, 1), [b, 1]));
        });
        if (input !== prompt) picked.push(input);
        input = next;
      }
      picked.push(input);
    });
    const cols = picked.map((p) => p.dataSync() as Int32Array);
    return Array.from({ length: b }, (_, r) => Int32Array.from(cols, (c) => c[r]));
  } finally {
    for (const p of picked) p.dispose();
  }
}

/** One continuation from generateText. */
export interface GeneratedText {
  /** The continuation, cut before the first stop string when one was hit. */
  text: string;
  /** The new token ids (including the one that completed a stop string or the end token). */
  tokens: Int32Array;
  /** "stop" when a stop string or end token ended it, "length" when maxNewTokens did. */
  finishReason: "stop" | "length";
}

/**
 * Text in, text out: encodes each prompt, generates, decodes, and cuts each continuation before the
 * earliest stop string it contains.
 */
export function generateText(
  model: GPT2,
  prompts: readonly string[],
  opts: Omit<GenerateOptions, "decode"> & { encode: (text: string) => ArrayLike<number>; decode: (ids: Int32Array) => string },
): GeneratedText[] {
  const eos = new Set(opts.eosTokenId === undefined ? [] : typeof opts.eosTokenId === "number" ? [opts.eosTokenId] : opts.eosTokenId);
  const outs = generate(model, prompts.map((p) => opts.encode(p)), opts);
  return outs.map((tokens) => {
    const full = opts.decode(tokens);
    const cuts = (opts.stop ?? []).map((s) => full.indexOf(s)).filter((i) => i >= 0);
    const hitEos = tokens.length > 0 && eos.has(tokens[tokens.length - 1]);
    const text = cuts.length > 0 ? full.slice(0, Math.min(...cuts)) : hitEos ? opts.decode(tokens.subarray(0, tokens.length - 1)) : full;
    return { text, tokens, finishReason: cuts.length > 0 || hitEos ? "stop" : "length" };
  });
}
