// The registry's file side: model directories copied in through a hidden temp folder and renamed into
// place inside the version's transaction, so a listed version always has its complete directory.
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync } from "node:fs";
import { copyFile, mkdir, open, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { syncDir } from "../io/atomic.js";
import { isProcessAlive } from "../io/file-lock.js";

const INCOMING = ".incoming-";
const DELETED = ".deleted-";

/** Flushes a file or directory to disk (synchronous: used inside a database transaction). */
export function fsyncPath(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return; // some platforms cannot open a directory; the rename is still atomic
  }
  try {
    fsyncSync(fd);
  } catch {
    // directories cannot be fsynced everywhere; best effort
  } finally {
    closeSync(fd);
  }
}

async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to);
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory()) await copyTree(src, dst);
    else if (entry.isFile()) {
      await copyFile(src, dst);
      const fh = await open(dst, "r");
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    // links and special files are not part of a model directory: skipped
  }
  await syncDir(to);
}

/** Copies `source` into a fresh hidden folder under `parent` and returns its path; flushed to disk. */
export async function stageCopy(source: string, parent: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  const tmp = join(parent, `${INCOMING}${process.pid}-${randomBytes(6).toString("hex")}`);
  try {
    await copyTree(source, tmp);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return tmp;
}

/**
 * Moves a staged folder to `target` (synchronous: runs inside the transaction that records it). A folder
 * already at `target` can only be left by a registration that crashed before committing (numbers are
 * never reused), so it is replaced.
 */
export function placeStaged(staged: string, target: string, parent: string): void {
  rmSync(target, { recursive: true, force: true });
  renameSync(staged, target);
  fsyncPath(parent);
}

/** Removes staging and trash folders left under `modelsRoot/<model>/` by processes that died mid-way. */
export function removeDeadStaging(modelsRoot: string): void {
  let models: string[];
  try {
    models = readdirSync(modelsRoot);
  } catch {
    return;
  }
  for (const model of models) {
    let entries: string[];
    try {
      entries = readdirSync(join(modelsRoot, model));
    } catch {
      continue;
    }
    for (const entry of entries) {
      const prefix = [INCOMING, DELETED].find((p) => entry.startsWith(p));
      if (!prefix) continue;
      const pid = Number(entry.slice(prefix.length).split("-")[0]);
      if (Number.isInteger(pid) && pid !== process.pid && !isProcessAlive(pid)) rmSync(join(modelsRoot, model, entry), { recursive: true, force: true });
    }
  }
}

/** Removes a deleted version's folder: renamed aside first so a half-removed folder never sits at the version's path. */
export async function removeVersionDir(dir: string, parent: string): Promise<void> {
  const trash = join(parent, `${DELETED}${process.pid}-${randomBytes(6).toString("hex")}`);
  try {
    renameSync(dir, trash);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  await rm(trash, { recursive: true, force: true });
}
