import type { Tensor } from "../../src/index.js";
import type { Model } from "./model.js";

/** Sizes of one workload instance; passed verbatim to the PyTorch twin so both sides build the same thing. */
export type Config = Record<string, number>;

/** A built workload: parameters, inputs and one timed iteration. */
export interface Instance {
  readonly config: Config;
  /** Trainable parameters (absent for pure-compute workloads such as sgemm). */
  readonly model: Model | null;
  /** Fixed inputs (same every iteration), dumped for --check. */
  readonly inputs: Record<string, Tensor>;
  /** One iteration. Returns the loss before the update (training) or a checksum-free 0 (pure compute). */
  step(): number | Promise<number>;
  /** For --check on pure-compute workloads: the result of one iteration, flattened. */
  output?(): number[];
}

export interface WorkloadDef {
  readonly name: string;
  /** One line for the table legend / README. */
  readonly description: string;
  /** Target for the time ratio ingot/torch (the run passes when ratio ≤ target). */
  readonly target: number;
  /** Benchmark-size and tiny (--check) configurations. */
  config(tiny: boolean): Config;
  /** Approximate floating-point operations per iteration (GEMM/conv work; training counts forward×3). */
  flops(c: Config): number;
  /** Why --check cannot compare this workload with its twin, when it cannot (it is then skipped). */
  readonly noCheck?: string;
  /** Builds parameters and inputs from a fixed seed. */
  create(c: Config, seed: number): Instance;
}
