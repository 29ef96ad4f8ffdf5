#!/usr/bin/env node
// The `ingot` command: runs the compiled CLI (built by `npm install` through the prepare script).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write("ingot: the CLI is not built yet; run `npm install` (or `npm run build`) in the ingot package first\n");
  process.exit(1);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv);
