import type { Command } from "commander";

/** Adds `ingot serve` to the command tree (being written this session). */
export function registerServe(program: Command): void {
  void program;
}
