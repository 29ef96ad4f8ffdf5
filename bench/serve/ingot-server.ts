/**
 * Ingot's side of the serving bench, as its own process (so it can be profiled with --cpu-prof and
 * stopped cleanly): createServer over the spam model directory on a real port.
 *
 *   node --import tsx bench/serve/ingot-server.ts <modelDir> <port> [workers]
 *
 * With $INGOT_BENCH_CPU_PROFILE set to a file path, SIGUSR2 starts the V8 CPU profiler and a second
 * SIGUSR2 stops it and writes the profile there, so the profile covers just the timed wrk run (not
 * start-up or warm-up).
 *
 * Prints one JSON line {"listening": port, "workers": n} once it accepts connections, n being the worker
 * threads the server's model cache really has (0 when the server does not take the option yet); exits
 * on SIGTERM (so a --cpu-prof profile gets written).
 */
// the package entry, not src/serve alone: importing it registers the layer types moduleFromConfig rebuilds
import { createServer, InMemoryModelSource, serveState, type ServerOptions } from "../../src/index.js";

const [dir, portArg, workersArg] = process.argv.slice(2);
if (!dir || !portArg) {
  process.stderr.write("usage: ingot-server.ts <modelDir> <port> [workers]\n");
  process.exit(2);
}
const workers = workersArg === undefined ? null : Number(workersArg);
const models = new InMemoryModelSource().addVersion("spam", 1, dir).setAlias("spam", "production", 1);
// `workers` (inference on worker threads) is being added to the server; passed only when asked for
// INGOT_BENCH_BATCHING=off runs every request alone, to see what micro-batching changes
const batching = process.env.INGOT_BENCH_BATCHING === "off" ? { batching: false as const } : {};
const opts: ServerOptions & { workers?: number } = { models, ...batching, ...(workers !== null && { workers }) };
const app = createServer(opts);
await app.listen({ port: Number(portArg), host: "127.0.0.1" });
const actual = (serveState(app).cache as { workers?: number }).workers ?? 0;
process.stdout.write(`${JSON.stringify({ listening: Number(portArg), workers: actual })}\n`);
const profilePath = process.env.INGOT_BENCH_CPU_PROFILE;
if (profilePath) {
  const { Session } = await import("node:inspector/promises");
  const { writeFile } = await import("node:fs/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  let running = false;
  process.on("SIGUSR2", () => {
    running = !running;
    const step = running
      ? session.post("Profiler.start").then(() => process.stdout.write(`${JSON.stringify({ profiling: true })}\n`))
      : session.post("Profiler.stop").then(({ profile }) => writeFile(profilePath, JSON.stringify(profile))).then(() => process.stdout.write(`${JSON.stringify({ profiling: false, written: profilePath })}\n`));
    step.catch((e: unknown) => process.stderr.write(`ingot-server: profiler: ${(e as Error).message}\n`));
  });
}
const stop = (): void => {
  void app.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
