// How numbers and times read on the pages.

/** A number in at most 4 significant digits; integers as they are. */
export function num(x: number | null | undefined): string {
  if (x === null || x === undefined) return "—";
  if (Number.isNaN(x)) return "NaN";
  if (Number.isInteger(x) && Math.abs(x) < 1e9) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e9)) return x.toExponential(3);
  return String(Number(x.toPrecision(4)));
}

/** A local date and time, to the second. */
export function when(ms: number | null): string {
  if (ms === null) return "—";
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A duration such as "1m 05s". */
export function duration(from: number, to: number | null): string {
  const s = Math.max(0, Math.round(((to ?? Date.now()) - from) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** A share as a percentage. */
export function pct(x: number): string {
  return `${num(100 * x)}%`;
}
