// einsum over single letters, evaluated pairwise with matmul.
import { contiguousStrides, fmtShape, numel, ShapeError } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { mul } from "./elementwise.js";
import { stridedCopy } from "./index-ops.js";
import { matmul } from "./linalg.js";
import { sum } from "./reduce.js";
import { permute, reshape } from "./shape.js";

/** A tensor whose dims are named by distinct letters. */
interface Term {
  t: Tensor;
  ix: string[];
}

/**
 * Einstein summation, as torch.einsum, with single-letter subscripts (a–z, A–Z; spaces ignored):
 * "ij,jk->ik", "bhqd,bhkd->bhqk", "i,i->", "i,j->ij", "ij->ji", "ii->i" (a repeated letter takes the
 * diagonal), or with no "->" the output is the letters used exactly once, in alphabetical order.
 * Two operands contract with one matmul (dims permuted to [batch, free, contracted] and reshaped);
 * more operands are contracted left to right. Sizes of a letter must agree (no broadcasting, no "...").
 */
export function einsum(equation: string, ...operands: (Tensor | readonly Tensor[])[]): Tensor {
  const ops = operands.flatMap((o) => (Array.isArray(o) ? (o as readonly Tensor[]) : [o as Tensor]));
  const eq = equation.replace(/\s+/g, "");
  const arrow = eq.indexOf("->");
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  const inputs = lhs.split(",");
  const bad = (detail: string): ShapeError => new ShapeError("einsum", `${detail} (equation "${equation}")`);
  if (eq.includes(".")) throw bad("ellipsis (...) is not supported");
  if (inputs.length !== ops.length) throw bad(`${inputs.length} operand subscripts but ${ops.length} tensors given`);
  const sizes = new Map<string, number>();
  const count = new Map<string, number>();
  const terms: Term[] = inputs.map((sub, i) => {
    if (!/^[a-zA-Z]*$/.test(sub)) throw bad(`invalid subscripts "${sub}": use letters a-z, A-Z`);
    const t = ops[i];
    if (sub.length !== t.ndim) throw bad(`operand ${i} ${fmtShape(t.shape)} has ${t.ndim} dims but subscripts "${sub}" name ${sub.length}`);
    const ix = [...sub];
    ix.forEach((l, k) => {
      const n = sizes.get(l);
      if (n !== undefined && n !== t.shape[k]) throw bad(`index "${l}" has size ${n} in one place but ${t.shape[k]} in operand ${i} ${fmtShape(t.shape)}`);
      sizes.set(l, t.shape[k]);
      count.set(l, (count.get(l) ?? 0) + 1);
    });
    if (i > 0 && t.device !== ops[0].device) throw bad(`operands are on different devices (${ops[0].device} and ${t.device})`);
    return { t, ix };
  });
  let out: string[];
  if (arrow >= 0) {
    const rhs = eq.slice(arrow + 2);
    if (!/^[a-zA-Z]*$/.test(rhs)) throw bad(`invalid output subscripts "${rhs}"`);
    out = [...rhs];
    if (new Set(out).size !== out.length) throw bad(`output subscripts "${rhs}" repeat a letter`);
    for (const l of out) if (!sizes.has(l)) throw bad(`output index "${l}" does not appear in any operand`);
  } else {
    out = [...count.keys()].filter((l) => count.get(l) === 1).sort();
  }
  const outSet = new Set(out);
  // letters still needed after operand i: the output's and those of operands after i
  const needAfter: Set<string>[] = terms.map((_, i) => new Set([...outSet, ...terms.slice(i + 1).flatMap((x) => x.ix)]));
  let acc = prune(diagonal(terms[0]), needAfter[0]);
  for (let i = 1; i < terms.length; i++) {
    const keep = needAfter[i];
    const b = diagonal(terms[i]);
    const bSet = new Set(b.ix);
    const aSet = new Set(acc.ix);
    acc = contract(prune(acc, new Set([...keep, ...bSet])), prune(b, new Set([...keep, ...aSet])), keep);
  }
  acc = prune(acc, outSet);
  const perm = out.map((l) => acc.ix.indexOf(l));
  return permute(acc.t, perm);
}

/** Takes the diagonal over letters repeated within one operand ("ii" → "i"), in one strided copy. */
function diagonal(term: Term): Term {
  const { t, ix } = term;
  if (new Set(ix).size === ix.length) return term;
  const src = contiguousStrides(t.shape);
  const letters: string[] = [];
  const strides: number[] = [];
  const shape: number[] = [];
  ix.forEach((l, k) => {
    const at = letters.indexOf(l);
    if (at >= 0) strides[at] += src[k];
    else {
      letters.push(l);
      strides.push(src[k]);
      shape.push(t.shape[k]);
    }
  });
  return { t: stridedCopy("einsum", t, 0, strides, shape), ix: letters };
}

/** Sums out the letters not in `keep`. */
function prune(term: Term, keep: Set<string>): Term {
  const dims = term.ix.flatMap((l, k) => (keep.has(l) ? [] : [k]));
  if (dims.length === 0) return term;
  return { t: sum(term.t, dims), ix: term.ix.filter((l) => keep.has(l)) };
}

/** Contracts two terms (each letter once per term; letters in one term only are all in `keep`). */
function contract(a: Term, b: Term, keep: Set<string>): Term {
  const inB = new Set(b.ix);
  const inA = new Set(a.ix);
  const batch = a.ix.filter((l) => inB.has(l) && keep.has(l));
  const summed = a.ix.filter((l) => inB.has(l) && !keep.has(l));
  const freeA = a.ix.filter((l) => !inB.has(l));
  const freeB = b.ix.filter((l) => !inA.has(l));
  const size = (term: Term, letters: string[]): number[] => letters.map((l) => term.t.shape[term.ix.indexOf(l)]);
  const nb = numel(size(a, batch));
  const m = numel(size(a, freeA));
  const k = numel(size(a, summed));
  const n = numel(size(b, freeB));
  const pa = permute(a.t, [...batch, ...freeA, ...summed].map((l) => a.ix.indexOf(l)));
  const pb = permute(b.t, [...batch, ...summed, ...freeB].map((l) => b.ix.indexOf(l)));
  const lead = batch.length > 0 ? [nb] : [];
  let r: Tensor;
  if (summed.length === 0) {
    // nothing to sum: a broadcast product (outer products, Hadamard products)
    r = mul(reshape(pa, [...lead, m, 1]), reshape(pb, [...lead, 1, n]));
  } else {
    r = matmul(reshape(pa, [...lead, m, k]), reshape(pb, [...lead, k, n]));
  }
  const ix = [...batch, ...freeA, ...freeB];
  return { t: reshape(r, [...size(a, batch), ...size(a, freeA), ...size(b, freeB)]), ix };
}
