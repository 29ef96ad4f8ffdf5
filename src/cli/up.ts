import type { Command } from "commander";

/** Adds `ingot up` to the command tree (being written this session). */
export function registerUp(program: Command): void {
  void program;
}
