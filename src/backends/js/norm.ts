import { f32, type Storage } from "../storage.js";

let scratch = new Float64Array(0);
function rowBuffer(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(n);
  return scratch;
}

export function softmax(x: Storage, out: Storage, rows: number, cols: number, log: boolean): void {
  const a = f32(x);
  const o = f32(out);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (a[base + j] > max) max = a[base + j];
    if (max === -Infinity) max = 0; // a fully masked row gives NaN below, as in PyTorch
    let sum = 0;
    if (log) {
      for (let j = 0; j < cols; j++) sum += Math.exp(a[base + j] - max);
      const shift = max + Math.log(sum);
      for (let j = 0; j < cols; j++) o[base + j] = a[base + j] - shift;
    } else {
      // exponentials are computed once, in double precision, then normalised
      const e = rowBuffer(cols);
      for (let j = 0; j < cols; j++) {
        const v = Math.exp(a[base + j] - max);
        e[j] = v;
        sum += v;
      }
      const inv = 1 / sum;
      for (let j = 0; j < cols; j++) o[base + j] = e[j] * inv;
    }
  }
}

export function softmaxGrad(y: Storage, gy: Storage, gx: Storage, rows: number, cols: number, log: boolean): void {
  const Y = f32(y);
  const G = f32(gy);
  const O = f32(gx);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    if (log) {
      // d logsoftmax: gx = gy - softmax · Σ gy
      let s = 0;
      for (let j = 0; j < cols; j++) s += G[base + j];
      for (let j = 0; j < cols; j++) O[base + j] = G[base + j] - Math.exp(Y[base + j]) * s;
    } else {
      // d softmax: gx = y ⊙ (gy − Σ gy⊙y)
      let s = 0;
      for (let j = 0; j < cols; j++) s += G[base + j] * Y[base + j];
      for (let j = 0; j < cols; j++) O[base + j] = Y[base + j] * (G[base + j] - s);
    }
  }
}

export function layerNorm(x: Storage, weight: Storage | null, bias: Storage | null, out: Storage, mean: Storage, rstd: Storage, rows: number, cols: number, eps: number): void {
  const X = f32(x);
  const O = f32(out);
  const M = f32(mean);
  const R = f32(rstd);
  const W = weight ? f32(weight) : null;
  const B = bias ? f32(bias) : null;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let mu = 0;
    for (let j = 0; j < cols; j++) mu += X[base + j];
    mu /= cols;
    let v = 0;
    for (let j = 0; j < cols; j++) {
      const d = X[base + j] - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / cols + eps);
    M[r] = mu;
    R[r] = rs;
    for (let j = 0; j < cols; j++) {
      let y = (X[base + j] - mu) * rs;
      if (W) y *= W[j];
      if (B) y += B[j];
      O[base + j] = y;
    }
  }
}

export function layerNormGrad(x: Storage, weight: Storage | null, mean: Storage, rstd: Storage, gy: Storage, gx: Storage, gw: Storage | null, gb: Storage | null, rows: number, cols: number): void {
  const X = f32(x);
  const G = f32(gy);
  const O = f32(gx);
  const M = f32(mean);
  const R = f32(rstd);
  const W = weight ? f32(weight) : null;
  const GW = gw ? f32(gw) : null;
  const GB = gb ? f32(gb) : null;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const mu = M[r];
    const rs = R[r];
    // with xhat = (x-mu)·rs and g = gy·w: gx = rs·(g − mean(g) − xhat·mean(g·xhat))
    let sg = 0;
    let sgx = 0;
    for (let j = 0; j < cols; j++) {
      const xhat = (X[base + j] - mu) * rs;
      const g = W ? G[base + j] * W[j] : G[base + j];
      sg += g;
      sgx += g * xhat;
      if (GW) GW[j] += G[base + j] * xhat;
      if (GB) GB[j] += G[base + j];
    }
    sg /= cols;
    sgx /= cols;
    for (let j = 0; j < cols; j++) {
      const xhat = (X[base + j] - mu) * rs;
      const g = W ? G[base + j] * W[j] : G[base + j];
      O[base + j] = rs * (g - sg - xhat * sgx);
    }
  }
}
