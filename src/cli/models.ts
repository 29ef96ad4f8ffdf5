import type { Command } from "commander";

/** Adds `ingot models` to the command tree (being written this session). */
export function registerModels(program: Command): void {
  void program;
}
