// Run as a child process by the concurrency tests: logs metric batches, artifacts and model versions
// into a shared registry. Usage: writer.ts <root> <modelDir> <tag> <rounds | forever>
// Prints "ready" once the registry is open, and a JSON summary when it finishes.
import { openRegistry } from "../../src/registry/index.js";

const [root, modelDir, tag, rounds] = process.argv.slice(2);
const reg = openRegistry({ root });
const run = await reg.startRun({ experiment: "concurrency", name: tag, params: { tag }, backend: "js" });
process.stdout.write("ready\n");
const versions: number[] = [];
const limit = rounds === "forever" ? Infinity : Number(rounds);
for (let i = 0; i < limit; i++) {
  // one batch of 10 points per round: the tests check batches are never split
  await reg.logMetrics(run.id, Array.from({ length: 10 }, (_, j) => ({ key: "loss", value: i + j / 10, step: i * 10 + j })));
  await reg.logArtifact(run.id, new TextEncoder().encode(`${tag} round ${i}\n`.repeat(100)), `rounds/${i}.txt`);
  versions.push((await reg.registerModel("shared", { modelDir, fromRun: run.id, notes: `${tag}-${i}` })).version);
}
await reg.endRun(run.id);
await reg.close();
process.stdout.write(`${JSON.stringify({ runId: run.id, versions })}\n`);
