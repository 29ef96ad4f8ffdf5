import { cpus } from "node:os";
import type { Command } from "commander";
import { availableBackends, getBackend } from "../backends/registry.js";
import { loadCudaBackend } from "../backends/cuda/load.js";

/** Whether the cuda backend can run here, and with which libraries; why not, when it cannot. */
export interface CudaInfo {
  available: boolean;
  reason?: string;
  device?: string;
  cublas?: string;
  cudnn?: string;
  /** Whether the kernels written without a GPU (flash attention, multi-tensor AdamW, cuDNN conv) are on. */
}

export interface EngineInfo {
  node: string;
  backends: string[];
  defaultBackend: string;
  cpu: string;
  cores: number;
  cuda: CudaInfo;
}

function cudaInfo(): CudaInfo {
  const { backend, reason } = loadCudaBackend();
  if (!backend) return { available: false, reason };
  const i = backend.info;
  const gb = i.totalMemory ? ` ${(i.totalMemory / 2 ** 30).toFixed(0)} GiB,` : "";
  return {
    available: true,
    device: `${i.name ?? "GPU"} (sm_${i.major ?? "?"}${i.minor ?? ""},${gb} ${i.multiprocessors ?? "?"} SMs)`,
    cublas: i.cublasError ? `unavailable: ${i.cublasError}` : "ok",
    cudnn: i.cudnnError ? `unavailable: ${i.cudnnError}` : i.cudnnVersion ? `${i.cudnnVersion}` : "unavailable (addon built without cuDNN support)",
  };
}

export function engineInfo(): EngineInfo {
  return {
    node: process.version,
    backends: availableBackends(),
    defaultBackend: getBackend().name,
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    cuda: cudaInfo(),
  };
}

export function registerInfo(program: Command): void {
  program
    .command("info")
    .description("show the engine's backends, the machine it runs on and whether CUDA is usable (and why not)")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      const info = engineInfo();
      if (opts.json) console.log(JSON.stringify(info));
      else {
        console.log(`node      ${info.node}`);
        console.log(`backends  ${info.backends.join(", ")} (default: ${info.defaultBackend})`);
        console.log(`cpu       ${info.cpu} × ${info.cores}`);
        const c = info.cuda;
        if (!c.available) console.log(`cuda      unavailable: ${c.reason}`);
        else console.log(`cuda      ${c.device}; cuBLAS ${c.cublas}; cuDNN ${c.cudnn}`);
      }
    });
}
