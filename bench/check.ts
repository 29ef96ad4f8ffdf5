/**
 * --check: both sides run the tiny configuration of each workload from identical initial weights and
 * inputs (written by the Ingot worker to a temp JSON file, loaded by the PyTorch worker) and must agree:
 * the loss before and after one optimizer step within 1e-4 relative, and the first step's gradients
 * within 1e-3 of each tensor's largest |gradient| (sgemm: the output within 1e-4 of its largest |value|).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { childEnv, INGOT_WORKER, runChild, TORCH_WORKER, type PythonInfo } from "./proc.js";
import type { WorkloadDef } from "./workloads/index.js";

export const LOSS_RTOL = 1e-4;
export const GRAD_RTOL = 1e-3;

interface Side {
  losses?: number[];
  grads?: Record<string, number[]>;
  output?: number[];
}

export interface CheckResult {
  workload: string;
  /** The Ingot backend that ran it. */
  backend?: string;
  pass: boolean;
  /** Worst relative loss difference (training) or output difference (sgemm). */
  lossRelErr: number | null;
  losses?: { ingot: number[]; torch: number[] };
  /** Worst gradient difference relative to that tensor's largest |gradient|, and which parameter. */
  gradRelErr?: number;
  worstGrad?: string;
  error?: string;
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

/** max |a − b| / max |b|. */
function scaledErr(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-12);
}

export function checkWorkload(def: WorkloadDef, py: PythonInfo | null, threads: number): CheckResult {
  const dir = mkdtempSync(join(tmpdir(), "ingot-bench-check-"));
  const file = join(dir, `${def.name}.json`);
  const env = childEnv(threads);
  try {
    const ing = runChild<{ file: string; backend: string }>(process.execPath, [...INGOT_WORKER, "--check", def.name, file], env, 300_000);
    if (!ing.ok) return { workload: def.name, pass: false, lossRelErr: null, error: `ingot: ${ing.error}` };
    if (!py) return { workload: def.name, pass: false, lossRelErr: null, error: "no python with torch" };
    const tor = runChild<Side>(py.exe, [TORCH_WORKER, "--check", def.name, file], env, 300_000);
    if (!tor.ok || !tor.value) return { workload: def.name, pass: false, lossRelErr: null, error: `torch: ${tor.error}` };
    const backend = ing.value?.backend;
    const mine = (JSON.parse(readFileSync(file, "utf8")) as { ingot: Side }).ingot;
    const theirs = tor.value;
    if (mine.output && theirs.output) {
      const e = scaledErr(mine.output, theirs.output);
      return { workload: def.name, backend, pass: e <= LOSS_RTOL, lossRelErr: e };
    }
    if (!mine.losses || !theirs.losses || !mine.grads || !theirs.grads) {
      return { workload: def.name, backend, pass: false, lossRelErr: null, error: "missing losses or gradients in the worker output" };
    }
    const lossRelErr = Math.max(...mine.losses.map((l, i) => relErr(l, (theirs.losses as number[])[i])));
    let gradRelErr = 0;
    let worstGrad = "";
    const names = new Set([...Object.keys(mine.grads), ...Object.keys(theirs.grads)]);
    for (const n of names) {
      const a = mine.grads[n];
      const b = theirs.grads[n];
      const e = a && b ? scaledErr(a, b) : Infinity;
      if (e >= gradRelErr) {
        gradRelErr = e;
        worstGrad = n;
      }
    }
    const pass = lossRelErr <= LOSS_RTOL && gradRelErr <= GRAD_RTOL;
    return { workload: def.name, backend, pass, lossRelErr, losses: { ingot: mine.losses, torch: theirs.losses }, gradRelErr, worstGrad };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
