import type { Command } from "commander";

/** Adds `ingot keys` to the command tree (being written this session). */
export function registerKeys(program: Command): void {
  void program;
}
