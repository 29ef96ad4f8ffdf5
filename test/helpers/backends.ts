import { test } from "node:test";
import { availableBackends, withBackend } from "../../src/index.js";

/**
 * The host backends every op test runs on. In CI (INGOT_REQUIRE_CPU=1) a missing native backend is a
 * failure, not a skip, so a broken addon build cannot hide behind the js fallback.
 */
export function hostBackends(): string[] {
  const names = availableBackends().filter((n) => n === "js" || n === "cpu");
  if ((process.env.INGOT_REQUIRE_CPU === "1" || process.env.CI === "true") && !names.includes("cpu")) {
    throw new Error("the native cpu backend did not load, and CI (or INGOT_REQUIRE_CPU=1) requires it");
  }
  return names;
}

/** Registers `name [backend]` for each host backend, running fn with that backend selected. */
export function backendTest(name: string, fn: (backend: string) => void | Promise<void>): void {
  for (const b of hostBackends()) {
    test(`${name} [${b}]`, () => withBackend(b, () => fn(b)));
  }
}
