// Stops a running platform on SIGINT/SIGTERM: in-flight requests finish, the monitor flushes, the
// registry closes, then the process exits on its own.
import type { RunningPlatform } from "./start-platform.js";

/** Closes `platform` on the first SIGINT or SIGTERM; resolves once it is closed. */
export function closeOnSignal(platform: RunningPlatform, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      log(`ingot: ${signal}, shutting down`);
      platform.close().then(resolve, reject);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
