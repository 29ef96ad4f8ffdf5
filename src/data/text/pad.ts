// Variable-length id sequences → one rectangular int32 tensor plus a mask of the real positions.
import { tensor } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";

/** padSequences options. */
export interface PadOptions {
  /** Output length L; default the longest sequence. */
  maxLength?: number;
  /** The id written into padding positions (default 0). */
  padId?: number;
  /** Where padding goes (default "post": after the tokens). */
  padding?: "pre" | "post";
  /** Which end is cut from a too-long sequence (default "post": keep the start). */
  truncation?: "pre" | "post";
}

/** Padded ids and their mask. */
export interface PaddedSequences {
  /** int32 [N, L]. */
  ids: Tensor;
  /** bool [N, L]: true at real tokens, false at padding. */
  mask: Tensor;
}

/** Pads or truncates every sequence to the same length. */
export function padSequences(sequences: readonly (readonly number[])[], opts: PadOptions = {}): PaddedSequences {
  if (!Array.isArray(sequences)) throw new TypeError("padSequences: sequences must be an array of id arrays");
  const L = opts.maxLength ?? sequences.reduce((m, s) => Math.max(m, s.length), 0);
  if (!Number.isInteger(L) || L < 1) throw new RangeError(`padSequences: maxLength must be an integer >= 1, got ${L}`);
  const padId = opts.padId ?? 0;
  if (!Number.isInteger(padId)) throw new TypeError(`padSequences: padId must be an integer, got ${padId}`);
  const padPre = (opts.padding ?? "post") === "pre";
  const cutPre = (opts.truncation ?? "post") === "pre";
  const n = sequences.length;
  const ids = new Int32Array(n * L).fill(padId);
  const mask = new Uint8Array(n * L);
  sequences.forEach((s, i) => {
    const kept: readonly number[] = s.length <= L ? s : cutPre ? s.slice(s.length - L) : s.slice(0, L);
    const start = padPre ? L - kept.length : 0;
    kept.forEach((id, k) => {
      if (!Number.isInteger(id)) throw new TypeError(`padSequences: sequences[${i}][${k}] is ${id}, expected an integer id`);
      ids[i * L + start + k] = id;
      mask[i * L + start + k] = 1;
    });
  });
  return { ids: tensor(ids, { shape: [n, L] }), mask: tensor(mask, { shape: [n, L], dtype: "bool" }) };
}
