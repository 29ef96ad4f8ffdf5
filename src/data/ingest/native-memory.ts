// DuckDB results and data chunks hold native memory that @duckdb/node-api frees only in finalizers, and
// V8 is never told their size: a loop that reads a 1M-row file each epoch grew by the whole result
// (64 MB) per read, because the small JS heap never asked for a full collection. After a large read
// we ask for one, which frees every earlier result no longer referenced (so at most one large result
// is held at a time); a full GC of a small heap takes milliseconds.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Rows from which a finished read triggers a collection. */
export const LARGE_READ_ROWS = 65_536;

let collect: (() => void) | null = null;

function gc(): () => void {
  if (!collect) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) collect = exposed;
    else {
      // exposing gc to a fresh context does not change anything else about the process
      setFlagsFromString("--expose-gc");
      collect = runInNewContext("gc") as () => void;
    }
  }
  return collect;
}

/** Call when a DuckDB read has finished (its connection closed): frees its native memory if it was large. */
export function releaseAfterRead(rows: number): void {
  if (rows >= LARGE_READ_ROWS) gc()();
}
