import type { ConvGeometry, PoolGeometry } from "../backend.js";
import { f32, i32, type Storage } from "../storage.js";

export function im2col(x: Storage, cols: Storage, p: ConvGeometry): void {
  const X = f32(x);
  const C = f32(cols);
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, oh, ow } = p;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const xb = (b * c + ch) * h * w;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          for (let y = 0; y < oh; y++) {
            const iy = y * strideH - padH + i * dilationH;
            if (iy < 0 || iy >= h) {
              C.fill(0, o, o + ow);
              o += ow;
              continue;
            }
            const row = xb + iy * w;
            for (let xq = 0; xq < ow; xq++) {
              const ix = xq * strideW - padW + j * dilationW;
              C[o++] = ix >= 0 && ix < w ? X[row + ix] : 0;
            }
          }
        }
      }
    }
  }
}

export function col2im(cols: Storage, x: Storage, p: ConvGeometry): void {
  const X = f32(x);
  const C = f32(cols);
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, oh, ow } = p;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const xb = (b * c + ch) * h * w;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          for (let y = 0; y < oh; y++) {
            const iy = y * strideH - padH + i * dilationH;
            if (iy < 0 || iy >= h) {
              o += ow;
              continue;
            }
            const row = xb + iy * w;
            for (let xq = 0; xq < ow; xq++) {
              const ix = xq * strideW - padW + j * dilationW;
              if (ix >= 0 && ix < w) X[row + ix] += C[o];
              o++;
            }
          }
        }
      }
    }
  }
}

export function maxPool2d(x: Storage, out: Storage, argmax: Storage, p: PoolGeometry): void {
  const X = f32(x);
  const O = f32(out);
  const A = i32(argmax);
  const { planes, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, oh, ow } = p;
  for (let pl = 0; pl < planes; pl++) {
    const xb = pl * h * w;
    for (let y = 0; y < oh; y++) {
      for (let xq = 0; xq < ow; xq++) {
        let best = -Infinity;
        let bi = -1;
        for (let i = 0; i < kh; i++) {
          const iy = y * strideH - padH + i * dilationH;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = xq * strideW - padW + j * dilationW;
            if (ix < 0 || ix >= w) continue;
            const v = X[xb + iy * w + ix];
            if (v > best || bi < 0 || Number.isNaN(v)) {
              best = v;
              bi = iy * w + ix;
            }
          }
        }
        const oi = (pl * oh + y) * ow + xq;
        O[oi] = best;
        A[oi] = bi;
      }
    }
  }
}

export function maxPool2dGrad(gy: Storage, argmax: Storage, gx: Storage, p: PoolGeometry): void {
  const G = f32(gy);
  const A = i32(argmax);
  const X = f32(gx);
  const { planes, h, w, oh, ow } = p;
  for (let pl = 0; pl < planes; pl++) {
    const xb = pl * h * w;
    const ob = pl * oh * ow;
    for (let i = 0; i < oh * ow; i++) if (A[ob + i] >= 0) X[xb + A[ob + i]] += G[ob + i];
  }
}

function avgWindows(p: PoolGeometry, visit: (pl: number, oi: number, cells: number[], divisor: number) => void): void {
  const { planes, h, w, kh, kw, strideH, strideW, padH, padW, oh, ow, countIncludePad } = p;
  const cells: number[] = [];
  for (let pl = 0; pl < planes; pl++) {
    for (let y = 0; y < oh; y++) {
      for (let xq = 0; xq < ow; xq++) {
        cells.length = 0;
        const y0 = y * strideH - padH;
        const x0 = xq * strideW - padW;
        const y1 = Math.min(y0 + kh, h + padH);
        const x1 = Math.min(x0 + kw, w + padW);
        const padded = (y1 - y0) * (x1 - x0);
        for (let iy = Math.max(y0, 0); iy < Math.min(y1, h); iy++) {
          for (let ix = Math.max(x0, 0); ix < Math.min(x1, w); ix++) cells.push(pl * h * w + iy * w + ix);
        }
        visit(pl, (pl * oh + y) * ow + xq, cells, countIncludePad ? padded : cells.length);
      }
    }
  }
}

export function avgPool2d(x: Storage, out: Storage, p: PoolGeometry): void {
  const X = f32(x);
  const O = f32(out);
  avgWindows(p, (_pl, oi, cells, div) => {
    let s = 0;
    for (const c of cells) s += X[c];
    O[oi] = s / div;
  });
}

export function avgPool2dGrad(gy: Storage, gx: Storage, p: PoolGeometry): void {
  const G = f32(gy);
  const X = f32(gx);
  avgWindows(p, (_pl, oi, cells, div) => {
    const g = G[oi] / div;
    for (const c of cells) X[c] += g;
  });
}

function adaptiveRange(i: number, inSize: number, outSize: number): [number, number] {
  return [Math.floor((i * inSize) / outSize), Math.ceil(((i + 1) * inSize) / outSize)];
}

export function adaptiveAvgPool2d(x: Storage, out: Storage, planes: number, h: number, w: number, oh: number, ow: number): void {
  const X = f32(x);
  const O = f32(out);
  for (let pl = 0; pl < planes; pl++) {
    for (let y = 0; y < oh; y++) {
      const [y0, y1] = adaptiveRange(y, h, oh);
      for (let xq = 0; xq < ow; xq++) {
        const [x0, x1] = adaptiveRange(xq, w, ow);
        let s = 0;
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) s += X[pl * h * w + iy * w + ix];
        O[(pl * oh + y) * ow + xq] = s / ((y1 - y0) * (x1 - x0));
      }
    }
  }
}

export function adaptiveAvgPool2dGrad(gy: Storage, gx: Storage, planes: number, h: number, w: number, oh: number, ow: number): void {
  const G = f32(gy);
  const X = f32(gx);
  for (let pl = 0; pl < planes; pl++) {
    for (let y = 0; y < oh; y++) {
      const [y0, y1] = adaptiveRange(y, h, oh);
      for (let xq = 0; xq < ow; xq++) {
        const [x0, x1] = adaptiveRange(xq, w, ow);
        const g = G[(pl * oh + y) * ow + xq] / ((y1 - y0) * (x1 - x0));
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) X[pl * h * w + iy * w + ix] += g;
      }
    }
  }
}
