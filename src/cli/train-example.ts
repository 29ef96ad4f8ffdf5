// `ingot train --example <name>`: runs one of the model-zoo scenarios in examples/ as a child process,
// so its progress bar, plots, model directory and final JSON line are exactly those of
// `npx tsx examples/<name>.ts`. Examples are TypeScript that ships with a source checkout, run through tsx.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../package-root.js";

/** The scenario's main-module guard: a file that has one is a runnable example, not a helper module. */
const MAIN_GUARD = "import.meta.url === `file://${process.argv[1]}`";

/** The examples folder of this ingot checkout, or null (an installed package ships none). */
export function examplesDir(): string | null {
  const root = packageRoot();
  return root && existsSync(join(root, "examples")) ? join(root, "examples") : null;
}

/** The runnable example names in `dir`, sorted. */
export function listExamples(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && readFileSync(join(dir, f), "utf8").includes(MAIN_GUARD))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** What to run: the example and the flags every scenario understands. */
export interface ExampleRun {
  name: string;
  quick?: boolean;
  seed?: number;
}

/** The child's exit code. Unknown names and a checkout without tsx are user mistakes with a one-line message. */
export async function runExample(run: ExampleRun): Promise<number> {
  const dir = examplesDir();
  if (!dir) throw new Error("ingot train --example needs a source checkout of ingot (its examples/ folder was not found)");
  const names = listExamples(dir);
  if (!names.includes(run.name)) throw new Error(`unknown example "${run.name}"; the examples are: ${names.join(", ")}`);
  let tsx: string;
  try {
    tsx = import.meta.resolve("tsx");
  } catch {
    throw new Error("ingot train --example runs TypeScript through tsx, which is not installed: run `npm install` in the ingot checkout");
  }
  const args = ["--import", tsx, join(dir, `${run.name}.ts`)];
  if (run.quick) args.push("--quick");
  if (run.seed !== undefined) args.push("--seed", String(run.seed));
  // the caller's working directory, so out/examples/<name>/ lands where they ran the command
  const child = spawn(process.execPath, args, { stdio: "inherit" });
  // Ctrl-C reaches the child through the terminal's process group; wait for it to finish its own cleanup
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
