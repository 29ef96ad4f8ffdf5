import type { Command } from "commander";

/** Adds `ingot runs` to the command tree (being written this session). */
export function registerRuns(program: Command): void {
  void program;
}
