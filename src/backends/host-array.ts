// Typed arrays headed for a backend's storage: the one conversion every backend's upload applies.
import { isHalf, typedArrayFor, type DType, type TypedArray } from "../tensor/dtype.js";
import { float32ToHalf } from "../tensor/half.js";

/**
 * Writes `data` into `dst`, a host array of `dtype` as long as `data`: bool stores x ≠ 0, int32 truncates,
 * a half rounds numbers to nearest even. A Uint16Array holds a half's bit patterns already: copied as they
 * are into a half, refused for any other dtype (`who` names the caller in that error).
 */
export function writeHostArray(data: TypedArray, dtype: DType, dst: TypedArray, who: string): void {
  if (data instanceof Uint16Array && !isHalf(dtype)) throw new Error(`${who}: a Uint16Array holds 16-bit float bits, not ${dtype} values`);
  if (dst.constructor === data.constructor) dst.set(data);
  else if (isHalf(dtype)) float32ToHalf(data, dtype, dst as Uint16Array);
  else if (dtype === "bool") for (let i = 0; i < data.length; i++) dst[i] = data[i] !== 0 ? 1 : 0;
  else if (dtype === "int32") for (let i = 0; i < data.length; i++) dst[i] = Math.trunc(data[i]);
  else for (let i = 0; i < data.length; i++) dst[i] = data[i];
}

/** `data` as a host array of `dtype`: itself when it already is one, else a converted copy (see writeHostArray). */
export function asHostArray(data: TypedArray, dtype: DType, who: string): TypedArray {
  if (data.constructor === typedArrayFor(dtype, 0).constructor) return data;
  const out = typedArrayFor(dtype, data.length);
  writeHostArray(data, dtype, out, who);
  return out;
}
