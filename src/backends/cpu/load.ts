import type { Backend } from "../backend.js";
import type { JsBackend } from "../js/index.js";

/** Loads the native cpu backend. Filled in by the native addon work; until then, reports why not. */
export function loadCpuBackend(_fallback: JsBackend): { backend: Backend | null; reason: string } {
  return { backend: null, reason: "not built" };
}
