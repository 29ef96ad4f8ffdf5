// Half-precision bit conversions for the float16 and bfloat16 dtypes, whose host storage is a Uint16Array
// of bit patterns (Node 20 has no Float16Array). Both round to nearest even, as PyTorch, numpy and ggml do.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bit pattern nearest to `x`. */
export function float32ToFloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to inf
  if (e <= 0) {
    if (e < -10) return sign; // underflows to zero
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++; // may carry into the exponent: still correct
  return sign | half;
}

/** The number a binary16 bit pattern holds. */
export function float16BitsToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** The bfloat16 bit pattern nearest to `x` (the top half of its float32, rounded to nearest even; NaN stays NaN). */
export function float32ToBfloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x40) & 0xffff; // NaN: keep it quiet
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** The number a bfloat16 bit pattern holds: exact, it is the top half of a float32. */
export function bfloat16BitsToFloat32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0];
}

/** The two 16-bit float dtypes. */
export type HalfDType = "bfloat16" | "float16";

/** Bit patterns → float32 values. */
export function halfToFloat32(bits: Uint16Array, dtype: HalfDType, out: Float32Array = new Float32Array(bits.length)): Float32Array {
  if (dtype === "bfloat16") {
    const o32 = new Uint32Array(out.buffer, out.byteOffset, out.length);
    for (let i = 0; i < bits.length; i++) o32[i] = bits[i] << 16;
  } else {
    for (let i = 0; i < bits.length; i++) out[i] = float16BitsToFloat32(bits[i]);
  }
  return out;
}

/** Numbers → the nearest bit patterns (round to nearest even). */
export function float32ToHalf(src: ArrayLike<number>, dtype: HalfDType, out: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  const conv = dtype === "bfloat16" ? float32ToBfloat16Bits : float32ToFloat16Bits;
  for (let i = 0; i < src.length; i++) out[i] = conv(src[i]);
  return out;
}
