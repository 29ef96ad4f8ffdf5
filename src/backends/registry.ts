import type { Backend, MatmulPrecision } from "./backend.js";
import type { Device } from "./storage.js";
import { JsBackend } from "./js/index.js";
import { loadCpuBackend } from "./cpu/load.js";
import { loadCudaBackend } from "./cuda/load.js";
import { installHalfEmulation } from "./half-emulation.js";

/**
 * Which backend runs the kernels for each device. Host memory is shared by `js` and `cpu`, so the host
 * backend can be switched at any time (tests run every op on both). `cpu` is the default when its native
 * addon loads; otherwise one line on stderr says why and `js` is used.
 */
const js = new JsBackend();
installHalfEmulation(js);
const available = new Map<string, Backend>([["js", js]]);
let cpuTried = false;
let host: Backend | null = null;
let deviceBackends = new Map<Device, Backend>();
let cudaReason: string | null = null;

function tryCpu(): Backend | null {
  if (!cpuTried) {
    cpuTried = true;
    const loaded = loadCpuBackend(js);
    if (loaded.backend) {
      installHalfEmulation(loaded.backend);
      available.set("cpu", loaded.backend);
    }
    else if (process.env.INGOT_QUIET !== "1") process.stderr.write(`ingot: native cpu backend unavailable (${loaded.reason}); using the js backend\n`);
  }
  return available.get("cpu") ?? null;
}

function defaultHost(): Backend {
  const wanted = process.env.INGOT_BACKEND;
  if (wanted === "js") return js;
  return tryCpu() ?? js;
}

export function backendFor(device: Device): Backend {
  if (device === "cpu") return (host ??= defaultHost());
  let b = deviceBackends.get(device);
  if (!b && device === "cuda" && cudaReason === null) {
    // loaded on first use: CPU-only programs never touch the CUDA addon
    const r = loadCudaBackend();
    if (r.backend) {
      registerBackend(r.backend);
      b = r.backend;
    } else cudaReason = r.reason;
  }
  if (!b) throw new Error(`no backend for device "${device}" is loaded${cudaReason ? ` (${cudaReason})` : ""}`);
  return b;
}

/** Selects the host backend by name ("js" or "cpu"). */
export function setBackend(name: string): void {
  if (name === "cpu") tryCpu();
  const b = available.get(name);
  if (!b) throw new Error(`setBackend: backend "${name}" is not available (available: ${[...available.keys()].join(", ")})`);
  if (b.device === "cpu") host = b;
  else deviceBackends.set(b.device, b);
}

export function getBackend(): Backend {
  return backendFor("cpu");
}

/** Names of backends that can run here ("js" always; "cpu" when the native addon loaded). */
export function availableBackends(): string[] {
  tryCpu();
  return [...available.keys()];
}

// INGOT_CUDA_TF32=0 starts in exact float32, like NVIDIA_TF32_OVERRIDE=0 does for PyTorch
let matmulPrecision: MatmulPrecision = process.env.INGOT_CUDA_TF32 === "0" ? "highest" : "high";

/**
 * PyTorch's torch.set_float32_matmul_precision for every device backend, present and loaded later.
 * The default here is "high" (TF32 tensor cores on a GPU, as PyTorch's own benchmarks are usually run);
 * "highest" is exact float32, "medium" bf16 tensor cores. Host backends always compute in float32.
 */
export function setFloat32MatmulPrecision(precision: MatmulPrecision): void {
  if (precision !== "highest" && precision !== "high" && precision !== "medium") {
    throw new Error(`setFloat32MatmulPrecision: expected "highest", "high" or "medium", got ${JSON.stringify(precision)}`);
  }
  matmulPrecision = precision;
  for (const b of deviceBackends.values()) b.setMatmulPrecision?.(precision);
}

export function getFloat32MatmulPrecision(): MatmulPrecision {
  return matmulPrecision;
}

export function registerBackend(b: Backend): void {
  installHalfEmulation(b);
  b.setMatmulPrecision?.(matmulPrecision);
  available.set(b.name, b);
  if (b.device !== "cpu") deviceBackends = new Map(deviceBackends).set(b.device, b);
}

/** Runs fn with the named host backend selected, restoring the previous one after. */
export function withBackend<T>(name: string, fn: () => T): T {
  const prev = getBackend();
  setBackend(name);
  try {
    return fn();
  } finally {
    host = prev;
  }
}
