// Where the ingot package lives on disk, found from this file, so code under src/ (tsx) and dist/src/
// (compiled) finds the same native builds, examples and version.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let found: { root: string; version: string } | null | undefined;

function find(): { root: string; version: string } | null {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; ) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "ingot") return { root: dir, version: typeof pkg.version === "string" ? pkg.version : "unknown" };
    } catch {
      // no (readable) package.json here: keep walking up
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** The folder holding ingot's package.json (the nearest ancestor of this file), or null when there is none. */
export function packageRoot(): string | null {
  if (found === undefined) found = find();
  return found?.root ?? null;
}

/** Ingot's version from its package.json ("unknown" without one). */
export function packageVersion(): string {
  if (found === undefined) found = find();
  return found?.version ?? "unknown";
}
