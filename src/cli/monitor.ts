import type { Command } from "commander";

/** Adds `ingot monitor` to the command tree (being written this session). */
export function registerMonitor(program: Command): void {
  void program;
}
