// A cross-process lock for read-modify-write of a small file (api-keys.json): a lock file created with
// O_EXCL holds the owner's pid. Two `ingot keys create` at once then both land instead of one
// overwriting the other. A lock whose owner died (kill -9 mid-write) is taken over, not waited on.
import { open, readFile, rm, stat } from "node:fs/promises";

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

/** Whether the lock at `lockPath` was left by a dead process or is older than staleMs. */
async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  try {
    const [text, s] = await Promise.all([readFile(lockPath, "utf8"), stat(lockPath)]);
    const pid = Number(text.trim());
    if (Date.now() - s.mtimeMs > staleMs) return true;
    // an empty file is a lock being written this instant: not stale
    return Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false; // released meanwhile: just retry
    throw e;
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
    if (await isStale(lockPath, opts.staleMs ?? 60_000)) {
      await rm(lockPath, { force: true });
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
