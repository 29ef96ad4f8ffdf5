// Shared test helpers: throwaway registry roots and small saved model directories.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tensor } from "../../src/index.js";
import { saveModelDir } from "../../src/io/index.js";

const work = mkdtempSync(join(tmpdir(), "ingot-registry-"));
let counter = 0;

/** A fresh empty folder for one test. */
export const freshDir = (): string => mkdtempSync(join(work, `t${counter++}-`));

/** Removes every folder freshDir made; call from `after`. */
export const cleanup = (): void => rmSync(work, { recursive: true, force: true });

/** Saves a tiny model directory whose bias holds `marker`, so versions can be told apart after loading. */
export async function saveTinyModel(dir: string, marker: number): Promise<string> {
  await saveModelDir(dir, {
    architecture: { type: "Linear", inFeatures: 2, outFeatures: 1 },
    stateDict: { weight: tensor([[1, 2]]), bias: tensor([marker]) },
    metadata: { marker },
  });
  return dir;
}
