import type { ReduceOp } from "../backend.js";
import { hostData, type Storage } from "../storage.js";

const INIT: Record<ReduceOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };

export function reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void {
  const a = hostData(x);
  const o = hostData(out);
  for (let p = 0; p < outer; p++) {
    const base = p * r * inner;
    for (let q = 0; q < inner; q++) {
      let acc = INIT[op];
      let off = base + q;
      if (op === "sum") for (let i = 0; i < r; i++, off += inner) acc += a[off];
      else if (op === "prod") for (let i = 0; i < r; i++, off += inner) acc *= a[off];
      else if (op === "max") {
        for (let i = 0; i < r; i++, off += inner) {
          const v = a[off];
          if (v > acc || Number.isNaN(v)) acc = v;
          if (Number.isNaN(acc)) break;
        }
      } else {
        for (let i = 0; i < r; i++, off += inner) {
          const v = a[off];
          if (v < acc || Number.isNaN(v)) acc = v;
          if (Number.isNaN(acc)) break;
        }
      }
      o[p * inner + q] = acc;
    }
  }
}

export function argReduce(op: "argmax" | "argmin", x: Storage, out: Storage, outer: number, r: number, inner: number): void {
  const a = hostData(x);
  const o = hostData(out);
  const better = op === "argmax" ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  for (let p = 0; p < outer; p++) {
    for (let q = 0; q < inner; q++) {
      const base = p * r * inner + q;
      let best = a[base];
      let bi = 0;
      for (let i = 1; i < r && !Number.isNaN(best); i++) {
        const v = a[base + i * inner];
        if (better(v, best) || Number.isNaN(v)) {
          best = v;
          bi = i;
        }
      }
      o[p * inner + q] = bi;
    }
  }
}

export function cumsum(x: Storage, out: Storage, outer: number, r: number, inner: number, reverse: boolean): void {
  const a = hostData(x);
  const o = hostData(out);
  for (let p = 0; p < outer; p++) {
    for (let q = 0; q < inner; q++) {
      const base = p * r * inner + q;
      let acc = 0;
      for (let t = 0; t < r; t++) {
        const i = reverse ? r - 1 - t : t;
        acc += a[base + i * inner];
        o[base + i * inner] = acc;
      }
    }
  }
}

export function sort(x: Storage, values: Storage, indices: Storage, outer: number, r: number, inner: number, descending: boolean): void {
  const a = hostData(x);
  const v = hostData(values);
  const ix = hostData(indices);
  const order = new Array<number>(r);
  for (let p = 0; p < outer; p++) {
    for (let q = 0; q < inner; q++) {
      const base = p * r * inner + q;
      for (let i = 0; i < r; i++) order[i] = i;
      // NaN sorts as the largest value, as in PyTorch; Array.prototype.sort is stable
      const key = (i: number): number => {
        const val = a[base + i * inner];
        return Number.isNaN(val) ? Infinity : val;
      };
      order.sort((i, j) => {
        const ki = key(i), kj = key(j);
        const ni = Number.isNaN(a[base + i * inner]), nj = Number.isNaN(a[base + j * inner]);
        if (ni !== nj) return descending ? (ni ? -1 : 1) : ni ? 1 : -1;
        return descending ? kj - ki : ki - kj;
      });
      for (let i = 0; i < r; i++) {
        v[base + i * inner] = a[base + order[i] * inner];
        ix[base + i * inner] = order[i];
      }
    }
  }
}
