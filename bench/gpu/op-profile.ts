// A per-kernel profile for GPUs without Nsight Systems: wraps every method of a backend so that each
// call is bracketed by device synchronisations and timed. The numbers are each kernel's GPU time plus
// one launch, so they add up to more than an asynchronous step takes; use them to rank, not to sum.
import type { Backend } from "../../src/backends/backend.js";

interface Entry {
  ms: number;
  calls: number;
}

function describe(method: string, args: unknown[]): string {
  const p = args.find((a): a is Record<string, unknown> => typeof a === "object" && a !== null && "m" in a && "k" in a);
  if (method === "matmul" && p) return `matmul ${p.batch ?? 1}x[${p.m}x${p.k}]·[${p.k}x${p.n}]${p.transA ? " tA" : ""}${p.transB ? " tB" : ""}${p.accumulate ? " acc" : ""}`;
  if (typeof args[0] === "string") return `${method}:${args[0]}`;
  if (method === "softmax" || method === "softmaxGrad") return `${method} ${args.slice(-3, -1).join("x")}`;
  return method;
}

/** Instruments `backend` in place; returns a function that prints the ranking and resets it. */
export function profileBackend(backend: Backend, sync: () => void): { report: (top?: number) => string; enabled: { on: boolean } } {
  const table = new Map<string, Entry>();
  const enabled = { on: false };
  let depth = 0;
  const target = backend as unknown as Record<string, unknown>;
  const proto = Object.getPrototypeOf(backend) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const fn = proto[name];
    if (name === "constructor" || typeof fn !== "function" || ["synchronize", "memoryStats", "alloc", "release"].includes(name)) continue;
    // the instance's own wrapper where there is one (half-emulation installs them), else the class method
    const own = Object.prototype.hasOwnProperty.call(target, name) ? target[name] : fn;
    target[name] = (...args: unknown[]): unknown => {
      // a call made inside a timed one (an emulated kernel's casts) counts towards that one only
      if (!enabled.on || depth > 0) return (own as (...a: unknown[]) => unknown).apply(backend, args);
      sync();
      const t0 = performance.now();
      depth++;
      let r: unknown;
      try {
        r = (own as (...a: unknown[]) => unknown).apply(backend, args);
      } finally {
        depth--;
      }
      sync();
      // half-precision calls are named apart from float32 ones
      const st = args.find((a): a is { dtype: string } => typeof a === "object" && a !== null && "dtype" in a && "refs" in a);
      const key = describe(name, args) + (st && st.dtype !== "float32" ? ` (${st.dtype})` : "");
      const e = table.get(key) ?? { ms: 0, calls: 0 };
      e.ms += performance.now() - t0;
      e.calls++;
      table.set(key, e);
      return r;
    };
  }
  const report = (top = 40): string => {
    const rows = [...table].sort((a, b) => b[1].ms - a[1].ms);
    const total = rows.reduce((s, [, e]) => s + e.ms, 0);
    table.clear();
    return [`total ${total.toFixed(1)} ms`, ...rows.slice(0, top).map(([k, e]) => `${((100 * e.ms) / total).toFixed(1).padStart(5)}% ${e.ms.toFixed(2).padStart(9)} ms ${String(e.calls).padStart(5)}x  ${k}`)].join("\n");
  };
  return { report, enabled };
}
