import { attentionStep } from "./attention_step.js";
import { cnnStep } from "./cnn_step.js";
import { csvToTensors } from "./csv_to_tensors.js";
import { fitEpoch } from "./fit_epoch.js";
import { gptStep } from "./gpt_step.js";
import { lstmStep } from "./lstm_step.js";
import { mlpStep } from "./mlp_step.js";
import { sgemm } from "./sgemm.js";
import type { WorkloadDef } from "./types.js";

/** Every workload, in table order. */
export const WORKLOADS: readonly WorkloadDef[] = [sgemm(256), sgemm(512), sgemm(1024), sgemm(2048), mlpStep, cnnStep, lstmStep, attentionStep, gptStep, fitEpoch, csvToTensors];

export function workload(name: string): WorkloadDef {
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) throw new Error(`unknown workload "${name}" (known: ${WORKLOADS.map((x) => x.name).join(", ")})`);
  return w;
}

export type { WorkloadDef, Instance, Config } from "./types.js";
