import { isHalf, type DType, type TypedArray } from "../../tensor/dtype.js";
import { float32ToBfloat16Bits, float32ToFloat16Bits, float32ToHalf, halfToFloat32 } from "../../tensor/half.js";
import { HostStorage, hostData, type Storage } from "../storage.js";
import { HostBufferPool } from "../pool.js";
import { writeHostArray } from "../host-array.js";
import { forEachStrided3 } from "./strided.js";

export const hostPool = new HostBufferPool();

export function alloc(dtype: DType, size: number, zero = true): Storage {
  return new HostStorage(hostPool.take(dtype, size, zero), dtype);
}

export function release(s: Storage): void {
  hostPool.give(s.dtype, hostData(s));
}

export function upload(data: TypedArray, dtype: DType): Storage {
  const s = alloc(dtype, data.length, false);
  writeHostArray(data, dtype, hostData(s), "upload");
  return s;
}

export function download(s: Storage): TypedArray {
  return hostData(s).slice();
}

export function fill(s: Storage, value: number): void {
  const bits = s.dtype === "bfloat16" ? float32ToBfloat16Bits(value) : s.dtype === "float16" ? float32ToFloat16Bits(value) : null;
  hostData(s).fill(bits ?? (s.dtype === "bool" ? (value ? 1 : 0) : value));
}

export function cast(src: Storage, dst: Storage): void {
  let a = hostData(src);
  const b = hostData(dst);
  if (src.dtype === dst.dtype) {
    b.set(a);
    return;
  }
  // halves go through float32: half → float32 is exact, float32 → half rounds to nearest even
  if (isHalf(src.dtype)) a = halfToFloat32(a as Uint16Array, src.dtype);
  if (isHalf(dst.dtype)) {
    float32ToHalf(a, dst.dtype, b as Uint16Array);
    return;
  }
  if (dst.dtype === "bool") for (let i = 0; i < a.length; i++) b[i] = a[i] !== 0 ? 1 : 0;
  else if (dst.dtype === "int32") for (let i = 0; i < a.length; i++) b[i] = Math.trunc(a[i]);
  else b.set(a);
}

export function copyStrided(
  src: Storage, srcOffset: number, srcStrides: readonly number[],
  dst: Storage, dstOffset: number, dstStrides: readonly number[],
  shape: readonly number[],
): void {
  const a = hostData(src);
  const b = hostData(dst);
  const zeros = new Array<number>(shape.length).fill(0);
  forEachStrided3(shape, srcStrides, dstStrides, zeros, srcOffset, dstOffset, 0, (i, j) => {
    b[j] = a[i];
  });
}
