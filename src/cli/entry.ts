// Runs the CLI from source (`npm start` = `tsx src/cli/entry.ts up`); the installed `ingot` bin runs
// the compiled copy of the same code.
import { run } from "./main.js";

process.exitCode = await run(process.argv);
