// Run as a child process by the concurrency tests: logs metric batches, artifacts and model versions
// into a shared registry. Usage: writer.ts <target JSON (helpers' RegistryTarget)> <modelDir> <tag> <rounds | forever>
// Prints "ready" once the registry is open, "version <n>" after each registration, and a JSON summary
// when it finishes.
import { openAt, type RegistryTarget } from "./target.js";

const [targetJson, modelDir, tag, rounds] = process.argv.slice(2);
const reg = openAt(JSON.parse(targetJson) as RegistryTarget);
const run = await reg.startRun({ experiment: "concurrency", name: tag, params: { tag }, backend: "js" });
process.stdout.write("ready\n");
const versions: number[] = [];
const limit = rounds === "forever" ? Infinity : Number(rounds);
for (let i = 0; i < limit; i++) {
  // one batch of 10 points per round: the tests check batches are never split
  await reg.logMetrics(run.id, Array.from({ length: 10 }, (_, j) => ({ key: "loss", value: i + j / 10, step: i * 10 + j })));
  await reg.logArtifact(run.id, new TextEncoder().encode(`${tag} round ${i}\n`.repeat(100)), `rounds/${i}.txt`);
  const { version } = await reg.registerModel("shared", { modelDir, fromRun: run.id, notes: `${tag}-${i}` });
  versions.push(version);
  process.stdout.write(`version ${version}\n`);
}
await reg.endRun(run.id);
await reg.close();
process.stdout.write(`${JSON.stringify({ runId: run.id, versions })}\n`);
