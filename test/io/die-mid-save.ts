// Run as a child process by the atomicity tests: starts a save and is killed (SIGKILL) part way through
// writing, after some tensor bytes are already on disk.  Usage: die-mid-save.ts file|dir <path>
import { saveModelDir, saveSafetensors } from "../../src/io/index.js";
import { tensor } from "../../src/index.js";

const [mode, path] = process.argv.slice(2);
const first = tensor(new Float32Array(1 << 18).fill(1.5)); // 1 MiB, written before the kill
const killer = tensor([1, 2, 3]);
killer.dataSync = () => {
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable");
};
const tensors = { a: first, b: killer };
if (mode === "file") await saveSafetensors(path, tensors);
else await saveModelDir(path, { architecture: { kind: "new" }, stateDict: tensors });
