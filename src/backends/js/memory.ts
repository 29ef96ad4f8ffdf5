import type { DType, TypedArray } from "../../tensor/dtype.js";
import { HostStorage, hostData, type Storage } from "../storage.js";
import { HostBufferPool } from "../pool.js";
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
  const dst = hostData(s);
  if (dst.constructor === data.constructor) dst.set(data);
  else if (dtype === "bool") for (let i = 0; i < data.length; i++) dst[i] = data[i] !== 0 ? 1 : 0;
  else if (dtype === "int32") for (let i = 0; i < data.length; i++) dst[i] = Math.trunc(data[i]);
  else for (let i = 0; i < data.length; i++) dst[i] = data[i];
  return s;
}

export function download(s: Storage): TypedArray {
  return hostData(s).slice();
}

export function fill(s: Storage, value: number): void {
  hostData(s).fill(s.dtype === "bool" ? (value ? 1 : 0) : value);
}

export function cast(src: Storage, dst: Storage): void {
  const a = hostData(src);
  const b = hostData(dst);
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
