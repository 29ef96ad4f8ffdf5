import { hostData, i32, type Storage } from "../storage.js";

export function gather(x: Storage, index: Storage, out: Storage, outer: number, rx: number, ri: number, inner: number): void {
  const a = hostData(x);
  const idx = i32(index);
  const o = hostData(out);
  for (let p = 0; p < outer; p++) {
    for (let i = 0; i < ri; i++) {
      const ob = (p * ri + i) * inner;
      for (let q = 0; q < inner; q++) o[ob + q] = a[(p * rx + idx[ob + q]) * inner + q];
    }
  }
}

export function scatterAdd(src: Storage, index: Storage, out: Storage, outer: number, rOut: number, ri: number, inner: number): void {
  const s = hostData(src);
  const idx = i32(index);
  const o = hostData(out);
  for (let p = 0; p < outer; p++) {
    for (let i = 0; i < ri; i++) {
      const sb = (p * ri + i) * inner;
      for (let q = 0; q < inner; q++) o[(p * rOut + idx[sb + q]) * inner + q] += s[sb + q];
    }
  }
}

export function indexSelect(x: Storage, index: Storage, out: Storage, outer: number, rx: number, nIdx: number, inner: number): void {
  const a = hostData(x);
  const idx = i32(index);
  const o = hostData(out);
  for (let p = 0; p < outer; p++) {
    for (let j = 0; j < nIdx; j++) {
      const src = (p * rx + idx[j]) * inner;
      o.set(a.subarray(src, src + inner), (p * nIdx + j) * inner);
    }
  }
}

export function indexAdd(src: Storage, index: Storage, out: Storage, outer: number, rOut: number, nIdx: number, inner: number): void {
  const s = hostData(src);
  const idx = i32(index);
  const o = hostData(out);
  for (let p = 0; p < outer; p++) {
    for (let j = 0; j < nIdx; j++) {
      const dst = (p * rOut + idx[j]) * inner;
      const sb = (p * nIdx + j) * inner;
      for (let q = 0; q < inner; q++) o[dst + q] += s[sb + q];
    }
  }
}
