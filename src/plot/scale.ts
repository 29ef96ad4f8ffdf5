// Maps data values to pixels and picks round tick values, linear or logarithmic.

/** A one-dimensional mapping from a data domain to a pixel range, with its tick marks. */
export interface Scale {
  /** The data interval shown (always contains every plotted value). */
  domain: [number, number];
  /** Data value → pixel. */
  map(v: number): number;
  /** Values at which to draw ticks and grid lines. */
  ticks: number[];
  /** The spacing of linear ticks (used for formatting); for log scales the ratio 10. */
  step: number;
  log: boolean;
}

/** A "nice" step (1, 2 or 5 × 10^k) near `span / count`, rounding at the geometric midpoints (as d3 does). */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f < Math.SQRT2 ? 1 : f < Math.sqrt(10) ? 2 : f < Math.sqrt(50) ? 5 : 10) * mag;
}

/** A linear scale whose domain is [min, max] widened to round tick values. */
export function linearScale(min: number, max: number, range: [number, number], tickCount = 5): Scale {
  if (min === max) {
    // a flat series still needs a visible interval around it
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const step = niceStep(max - min, tickCount);
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-9; i++) ticks.push(Number((lo + i * step).toPrecision(12)));
  const [r0, r1] = range;
  return { domain: [lo, hi], map: (v) => r0 + ((v - lo) / (hi - lo)) * (r1 - r0), ticks, step, log: false };
}

/** A base-10 log scale over whole decades; `min` must be positive. */
export function logScale(min: number, max: number, range: [number, number]): Scale {
  const lo = Math.floor(Math.log10(min));
  let hi = Math.ceil(Math.log10(max));
  if (hi === lo) hi = lo + 1;
  const every = Math.max(1, Math.ceil((hi - lo) / 8));
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e += every) ticks.push(10 ** e);
  const [r0, r1] = range;
  return { domain: [10 ** lo, 10 ** hi], map: (v) => r0 + ((Math.log10(v) - lo) / (hi - lo)) * (r1 - r0), ticks, step: 10, log: true };
}

/** Smallest and largest finite value across arrays, or undefined when there is none. */
export function extent(arrays: ArrayLike<number>[], keep: (v: number) => boolean = Number.isFinite): [number, number] | undefined {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrays) for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!keep(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}
