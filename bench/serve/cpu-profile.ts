// Reads a V8 .cpuprofile (node --cpu-prof) into the functions that cost the most: self time (samples in
// the function itself) and total time (samples with the function anywhere on the stack).
import { readFileSync } from "node:fs";
import { relative } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of the profile. */
export interface ProfileEntry {
  /** "name file:line" (project paths relative to `root`). */
  where: string;
  selfPct: number;
  totalPct: number;
}

/** The `top` functions by self time and by total time, as percentages of the busy (non-idle) samples. */
export function summarizeProfile(path: string, root: string, top = 15): { bySelf: ProfileEntry[]; byTotal: ProfileEntry[]; busyMs: number; idlePct: number } {
  const prof = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode): string => {
    const { functionName, url, lineNumber } = n.callFrame;
    const file = url.startsWith("file://") ? relative(root, url.slice(7)) : url;
    return file ? `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}` : functionName;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    if (node.callFrame.functionName === "(idle)") {
      idle += dt;
      return;
    }
    busy += dt;
    const k = key(node);
    self.set(k, (self.get(k) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n || n.callFrame.functionName === "(root)") continue;
      const kk = key(n);
      if (seen.has(kk)) continue;
      seen.add(kk);
      total.set(kk, (total.get(kk) ?? 0) + dt);
    }
  });
  const entry = (k: string): ProfileEntry => ({ where: k, selfPct: (100 * (self.get(k) ?? 0)) / busy, totalPct: (100 * (total.get(k) ?? 0)) / busy });
  const rank = (m: Map<string, number>): ProfileEntry[] => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k]) => entry(k));
  return { bySelf: rank(self), byTotal: rank(total), busyMs: busy / 1000, idlePct: (100 * idle) / (busy + idle) };
}
