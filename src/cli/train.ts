import type { Command } from "commander";

/** Adds `ingot train` to the command tree (being written this session). */
export function registerTrain(program: Command): void {
  void program;
}
