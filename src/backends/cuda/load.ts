import { CudaBackend } from "./index.js";
import { loadCudaAddon } from "./addon.js";

let loaded: { backend: CudaBackend | null; reason: string } | null = null;

/**
 * The cuda backend, when the addon is built and a GPU is present; otherwise null and the reason.
 * Never throws (CPU-only machines and CI land here). The result is cached; registering the backend
 * with the registry is the caller's choice.
 */
export function loadCudaBackend(): { backend: CudaBackend | null; reason: string } {
  if (loaded) return loaded;
  const r = loadCudaAddon();
  if (!r.addon) return (loaded = { backend: null, reason: r.reason });
  if (r.info.cublasError) process.stderr.write(`ingot: cuda backend loaded without cuBLAS (${r.info.cublasError}); matmul will throw\n`);
  return (loaded = { backend: new CudaBackend(r.addon, r.info), reason: "" });
}
