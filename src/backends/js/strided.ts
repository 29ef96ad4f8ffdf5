/**
 * Visits every index of `shape` in row-major order, calling `visit(offA, offB, offC, linear)` with the
 * offsets of up to three strided operands. Innermost dim is a tight loop; outer dims use counters.
 */
export function forEachStrided3(
  shape: readonly number[],
  sa: readonly number[], sb: readonly number[], sc: readonly number[],
  baseA: number, baseB: number, baseC: number,
  visit: (a: number, b: number, c: number, i: number) => void,
): void {
  const rank = shape.length;
  if (rank === 0) {
    visit(baseA, baseB, baseC, 0);
    return;
  }
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  const last = rank - 1;
  const n = shape[last];
  const ia = sa[last], ib = sb[last], ic = sc[last];
  const idx = new Array<number>(rank).fill(0);
  let a0 = baseA, b0 = baseB, c0 = baseC;
  let lin = 0;
  for (;;) {
    let a = a0, b = b0, c = c0;
    for (let j = 0; j < n; j++) {
      visit(a, b, c, lin++);
      a += ia;
      b += ib;
      c += ic;
    }
    // advance the outer counters
    let d = last - 1;
    for (; d >= 0; d--) {
      idx[d]++;
      a0 += sa[d];
      b0 += sb[d];
      c0 += sc[d];
      if (idx[d] < shape[d]) break;
      a0 -= sa[d] * shape[d];
      b0 -= sb[d] * shape[d];
      c0 -= sc[d] * shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i];
  }
  return true;
}

export function isAllZero(strides: readonly number[]): boolean {
  for (const s of strides) if (s !== 0) return false;
  return true;
}
