import { Command, CommanderError } from "commander";
import { registerData } from "./data.js";
import { registerEval } from "./eval.js";
import { registerInfo } from "./info.js";
import { registerKeys } from "./keys.js";
import { registerLlm } from "./llm.js";
import { registerLlmAsk } from "./llm-ask.js";
import { registerLlmRegister } from "./llm-register.js";
import { registerLlmPrompt } from "./llm-prompt.js";
import { registerModels } from "./models.js";
import { registerMonitor } from "./monitor.js";
import { registerRuns } from "./runs.js";
import { registerServe } from "./serve.js";
import { registerTrain } from "./train.js";
import { registerUp } from "./up.js";

/** Builds the `ingot` command tree. Each subcommand is a thin shell over library calls. */
export function buildCli(): Command {
  const program = new Command("ingot")
    .description("Train, tune, explain, compress, version, serve and watch neural models — in TypeScript.")
    .version(process.env.npm_package_version ?? "0.1.0")
    .exitOverride()
    .showHelpAfterError()
    // options after a subcommand belong to it: `ingot eval spam --version 2` is not the program's --version
    .enablePositionalOptions();
  registerInfo(program);
  registerData(program);
  registerTrain(program);
  registerEval(program);
  registerRuns(program);
  registerModels(program);
  registerKeys(program);
  registerServe(program);
  registerMonitor(program);
  registerUp(program);
  const llm = registerLlm(program);
  registerLlmPrompt(llm);
  registerLlmAsk(llm);
  registerLlmRegister(llm);
  return program;
}

/** Runs the CLI; returns the exit code. User mistakes print one clear line, never a stack trace. */
export async function run(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    process.stderr.write(`ingot: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
