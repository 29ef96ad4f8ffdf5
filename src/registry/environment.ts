// What a run records about where it ran and on what data: enough to tell two runs' setups apart.
import { createHash } from "node:crypto";
import { getBackend } from "../backends/index.js";
import { packageVersion } from "../package-root.js";
import type { RunEnvironment } from "./types.js";

/** The environment recorded at run start: node version, platform, ingot version and host backend. */
export function runEnvironment(backend?: string): RunEnvironment {
  return { node: process.version, platform: `${process.platform}-${process.arch}`, ingotVersion: packageVersion(), backend: backend ?? getBackend().name };
}

/** JSON with object keys sorted, so equal descriptions hash equally whatever their key order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`dataFingerprint: cannot describe a ${typeof value} value as JSON`);
  return text;
}

/**
 * A data set's fingerprint: "sha256:<hex>" of the given bytes, or of a description (a table's columns,
 * row count, source file hashes...) serialized as JSON with sorted keys.
 */
export function dataFingerprint(data: Uint8Array | string | Record<string, unknown> | unknown[]): string {
  const bytes = data instanceof Uint8Array ? data : typeof data === "string" ? new TextEncoder().encode(data) : new TextEncoder().encode(stableJson(data));
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}
