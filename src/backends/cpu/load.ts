import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Backend } from "../backend.js";
import type { JsBackend } from "../js/index.js";
import { CpuBackend } from "./cpu-backend.js";
import type { NativeCpu } from "./native.js";

/**
 * The package root: the nearest ancestor holding binding.gyp, so this works from src/backends/cpu/ (tsx)
 * and from dist/src/backends/cpu/ (compiled) alike.
 */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "binding.gyp")) && existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) return dirname(fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** Loads the native cpu backend from build/Release/ingot_cpu.node; on failure says why. */
export function loadCpuBackend(fallback: JsBackend): { backend: Backend | null; reason: string } {
  const path = join(packageRoot(), "build", "Release", "ingot_cpu.node");
  if (!existsSync(path)) return { backend: null, reason: `not built: ${path} is missing (run npm install)` };
  try {
    const native = createRequire(import.meta.url)(path) as NativeCpu;
    return { backend: new CpuBackend(native, fallback), reason: "" };
  } catch (e) {
    return { backend: null, reason: `failed to load ${path}: ${(e as Error).message.split("\n")[0]}` };
  }
}
