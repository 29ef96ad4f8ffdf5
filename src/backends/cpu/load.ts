import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Backend } from "../backend.js";
import type { JsBackend } from "../js/index.js";
import { CpuBackend } from "./cpu-backend.js";
import type { NativeCpu } from "./native.js";
import { packageRoot } from "../../package-root.js";

/** Loads the native cpu backend from build/Release/ingot_cpu.node; on failure says why. */
export function loadCpuBackend(fallback: JsBackend): { backend: Backend | null; reason: string } {
  const path = join(packageRoot() ?? dirname(fileURLToPath(import.meta.url)), "build", "Release", "ingot_cpu.node");
  if (!existsSync(path)) return { backend: null, reason: `not built: ${path} is missing (run npm install)` };
  try {
    const native = createRequire(import.meta.url)(path) as NativeCpu;
    return { backend: new CpuBackend(native, fallback), reason: "" };
  } catch (e) {
    return { backend: null, reason: `failed to load ${path}: ${(e as Error).message.split("\n")[0]}` };
  }
}
