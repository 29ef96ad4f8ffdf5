import type { Command } from "commander";

/** Adds `ingot eval` to the command tree (being written this session). */
export function registerEval(program: Command): void {
  void program;
}
