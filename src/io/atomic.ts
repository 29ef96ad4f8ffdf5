// Crash-safe file writes: data goes to a temp file beside the target, is flushed to disk, then renamed
// over the target. rename() within one directory is atomic, so readers see the old file or the new
// one, never a partial one; a crash leaves at most a dot-prefixed temp file behind.
import { randomBytes } from "node:crypto";
import { open, rename, rm, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Largest single write: Node refuses buffers over 2 GiB in one call. */
const CHUNK = 1 << 30;

/** A fresh hidden path beside `path`, e.g. `.model.safetensors.tmp-1234-9f2c...`. */
export function tempSibling(path: string, tag: string): string {
  return join(dirname(path), `.${basename(path)}.${tag}-${process.pid}-${randomBytes(6).toString("hex")}`);
}

/** Writes all of `bytes` at the handle's current position, looping over short writes. */
export async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, Math.min(CHUNK, bytes.length - done));
    done += bytesWritten;
  }
}

/**
 * Creates `path` (it must not exist), lets `fill` write it, and flushes it to disk. On any error the
 * file is removed and the error rethrown.
 */
export async function writeNewFile(path: string, fill: (fh: FileHandle) => Promise<void>): Promise<void> {
  const fh = await open(path, "wx");
  try {
    await fill(fh);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(path, { force: true });
    throw e;
  }
  await fh.close();
}

/** Flushes a directory's entries (a rename is durable only once its directory is); best effort. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // some platforms (Windows) cannot open or fsync a directory; the rename itself is still atomic
  }
}

/** Writes `path` atomically: through a temp sibling, flushed, then renamed over the target. */
export async function writeFileAtomic(path: string, fill: (fh: FileHandle) => Promise<void>): Promise<void> {
  const tmp = tempSibling(path, "tmp");
  await writeNewFile(tmp, fill);
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dirname(path));
}
