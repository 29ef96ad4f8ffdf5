import { cpus } from "node:os";
import type { Command } from "commander";
import { availableBackends, getBackend } from "../backends/registry.js";

export interface EngineInfo {
  node: string;
  backends: string[];
  defaultBackend: string;
  cpu: string;
  cores: number;
}

export function engineInfo(): EngineInfo {
  return {
    node: process.version,
    backends: availableBackends(),
    defaultBackend: getBackend().name,
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
  };
}

export function registerInfo(program: Command): void {
  program
    .command("info")
    .description("show the engine's backends and the machine it runs on")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      const info = engineInfo();
      if (opts.json) console.log(JSON.stringify(info));
      else {
        console.log(`node      ${info.node}`);
        console.log(`backends  ${info.backends.join(", ")} (default: ${info.defaultBackend})`);
        console.log(`cpu       ${info.cpu} × ${info.cores}`);
      }
    });
}
