// What a run records about where it ran and on what data: enough to tell two runs' setups apart.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { getBackend } from "../backends/index.js";
import type { RunEnvironment } from "./types.js";

let ingotVersion: string | null = null;

/** Ingot's version from its package.json, found by walking up from this file (works from src/ and dist/). */
function findIngotVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "ingot" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // no package.json here: keep walking up
    }
    dir = dirname(dir);
  }
  return "unknown";
}

/** The environment recorded at run start: node version, platform, ingot version and host backend. */
export function runEnvironment(backend?: string): RunEnvironment {
  ingotVersion ??= findIngotVersion();
  return { node: process.version, platform: `${process.platform}-${process.arch}`, ingotVersion, backend: backend ?? getBackend().name };
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
