/**
 * Runs one Ingot workload in this (fresh) process and prints one JSON line on stdout.
 *
 *   node --import tsx bench/ingot-worker.ts <workload> <iters> [--warmup N] [--budget-ms MS] [--config JSON]
 *   node --import tsx bench/ingot-worker.ts --check <workload> <out.json>
 *
 * Timing mode reports the median ms/iteration and peak RSS (after one {"event":"iter"} line per iteration). Check mode builds the tiny configuration,
 * writes its initial weights and inputs to out.json, runs two steps and adds the losses and the first
 * step's gradients (or, for pure compute, the output) for the PyTorch worker to compare against.
 */
import { writeFileSync } from "node:fs";
import { getBackend, type Tensor } from "../src/index.js";
import { timeLoop } from "./harness.js";
import { workload, type Config } from "./workloads/index.js";

const SEED = 1234;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function dumpTensor(t: Tensor): { shape: number[]; dtype: string; data: number[] } {
  return { shape: [...t.shape], dtype: t.dtype, data: Array.from(t.dataSync()) };
}

async function runCheck(name: string, file: string): Promise<void> {
  const def = workload(name);
  const config = def.config(true);
  const inst = def.create(config, SEED);
  const params = inst.model?.dump() ?? [];
  const inputs = Object.fromEntries(Object.entries(inst.inputs).map(([k, t]) => [k, dumpTensor(t)]));
  let result: Record<string, unknown>;
  if (inst.model) {
    const grads: Record<string, number[]> = {};
    inst.model.capture = grads;
    const loss0 = await inst.step();
    const loss1 = await inst.step();
    result = { losses: [loss0, loss1], grads };
  } else {
    result = { output: inst.output?.() ?? [] };
  }
  writeFileSync(file, JSON.stringify({ workload: name, config, params, inputs, ingot: result }));
  process.stdout.write(JSON.stringify({ workload: name, impl: "ingot", backend: getBackend().name, file }) + "\n");
}

async function runTiming(name: string, args: string[]): Promise<void> {
  const def = workload(name);
  const iters = Number(args[1] ?? 10);
  const cfgArg = flag(args, "--config");
  const config: Config = cfgArg ? (JSON.parse(cfgArg) as Config) : def.config(false);
  const t0 = performance.now();
  const inst = def.create(config, SEED);
  const setupMs = performance.now() - t0;
  const timing = await timeLoop(() => inst.step(), {
    iters,
    warmup: Number(flag(args, "--warmup") ?? 2),
    budgetMs: Number(flag(args, "--budget-ms") ?? 10000),
    minIters: Number(flag(args, "--min-iters") ?? 1),
    onIter: (phase, ms) => process.stdout.write(JSON.stringify({ event: "iter", phase, ms }) + "\n"),
  });
  const line = {
    workload: name,
    impl: "ingot",
    backend: getBackend().name,
    threads: Number(process.env.INGOT_NUM_THREADS ?? 0) || null,
    config,
    iters: timing.samplesMs.length,
    median_ms: timing.medianMs,
    min_ms: timing.minMs,
    mean_ms: timing.meanMs,
    warmup_ms: timing.warmupMs,
    setup_ms: setupMs,
    // resourceUsage().maxRSS is in KiB
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(line) + "\n");
}

const args = process.argv.slice(2);
if (args[0] === "--check") await runCheck(args[1], args[2]);
else if (args[0]) await runTiming(args[0], args);
else {
  process.stderr.write("usage: ingot-worker.ts <workload> <iters> [--warmup N] [--budget-ms MS] [--config JSON] | --check <workload> <out.json>\n");
  process.exit(2);
}
