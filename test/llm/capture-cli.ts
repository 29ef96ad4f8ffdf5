// Runs `ingot llm ...` subcommands in-process with console.log captured, for CLI tests that need the
// engine loaded once rather than a process per command.
import { Command } from "commander";

/** Runs `args` (starting with "llm") against the subcommands `register` adds; returns what they printed. */
export async function runLlmCli(register: (llm: Command) => void, args: string[]): Promise<string> {
  const program = new Command("ingot").exitOverride();
  register(program.command("llm"));
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(" "));
  try {
    await program.parseAsync(args, { from: "user" });
  } finally {
    console.log = log;
  }
  return lines.join("\n");
}
