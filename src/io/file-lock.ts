// A cross-process lock for read-modify-write of a small file (api-keys.json): a lock file created with
// O_EXCL holds the owner's pid. Two `ingot keys create` at once then both land instead of one
// overwriting the other. A lock whose owner died (kill -9 mid-write) is taken over, not waited on.
import type { BigIntStats } from "node:fs";
import { link, open, rename, rm, stat } from "node:fs/promises";

/** Options of withFileLock. */
export interface FileLockOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** A lock older than this is stale whatever its pid says (default 60 s; pids get reused). */
  staleMs?: number;
}

/** Whether a process id is alive on this machine. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Which file a stat describes: inode and modification time in ns (inode numbers alone get reused). */
function identity(s: BigIntStats): string {
  return `${s.ino}:${s.mtimeNs}`;
}

/**
 * The identity of the lock at `lockPath` when it was left by a dead process or is older than staleMs,
 * else null (held, being written this instant, or already gone). The pid and the identity come from one
 * open handle, so they describe the same file even if the lock is replaced meanwhile.
 */
export async function staleLockIdentity(lockPath: string, staleMs: number): Promise<string | null> {
  let fh;
  try {
    fh = await open(lockPath, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null; // released meanwhile: just retry
    throw e;
  }
  try {
    const pid = Number((await fh.readFile("utf8")).trim());
    const s = await fh.stat({ bigint: true });
    const old = Date.now() - Number(s.mtimeMs) > staleMs;
    // an empty file is a lock being written this instant: not stale
    return old || (Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid)) ? identity(s) : null;
  } finally {
    await fh.close();
  }
}

/**
 * Removes the stale lock whose identity was `stale`, and only that one. Two waiters may judge the same
 * dead lock stale; by the time the slower one acts, the faster may have replaced it with its own live
 * lock. So the lock is first renamed aside (atomic: one waiter gets it), then checked: if it is not the
 * stale file, it is linked back (which fails rather than overwrite a newer lock) instead of deleted.
 */
export async function removeStaleLock(lockPath: string, stale: string): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await rename(lockPath, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return; // another waiter took it first
    throw e;
  }
  try {
    if (identity(await stat(aside, { bigint: true })) !== stale) await link(aside, lockPath).catch(() => undefined);
  } finally {
    await rm(aside, { force: true });
  }
}

/** Runs `fn` while holding `${path}.lock`; waits for another holder, takes over a dead one's lock. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const lockPath = `${path}.lock`;
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
    try {
      const fh = await open(lockPath, "wx");
      try {
        await fh.writeFile(String(process.pid));
      } finally {
        await fh.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const stale = await staleLockIdentity(lockPath, opts.staleMs ?? 60_000);
    if (stale !== null) {
      await removeStaleLock(lockPath, stale);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${path} is locked by another process (lock file ${lockPath}); if none is running, delete the lock file`);
    await new Promise((r) => setTimeout(r, wait + Math.random() * wait));
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}
