import type { Command } from "commander";
import { closeOnSignal, startPlatform } from "../platform/index.js";
import { addServeFlags, platformOptions, type ServeFlags } from "./serve-options.js";

/** Adds `ingot serve`: the registry's models over HTTP, with the dashboard and monitoring. */
export function registerServe(program: Command): void {
  addServeFlags(program.command("serve").description("serve the registry's models over HTTP (predictions, dashboard, monitoring, /metrics, /docs)")).action(
    async (flags: ServeFlags) => {
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      const platform = await startPlatform({ ...platformOptions(flags), log });
      const models = await platform.registry.listModels();
      console.log(`ingot serve: listening on ${platform.url}`);
      console.log(`  models     ${models.length === 0 ? "(none registered yet: ingot train <spec>)" : models.map((m) => m.name).join(", ")}`);
      console.log(`  dashboard  ${flags.dashboard ? `${platform.url}/` : "off"}`);
      console.log(`  API docs   ${platform.url}/docs`);
      console.log(`  API keys   ${platform.authRequired ? "required (ingot keys create --name <n> --scope predict)" : "not required (create one to turn them on)"}`);
      await closeOnSignal(platform, log);
    },
  );
}
