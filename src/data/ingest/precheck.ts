// A cheap byte-level pass over a text file before DuckDB sees it, so the common ways a file is broken
// get a message naming the line: empty, binary (NUL bytes), invalid UTF-8, a line too long to be data.
// Newline bytes never occur inside a UTF-8 multi-byte sequence, so validating whole-line blocks is exact.
import { isUtf8 } from "node:buffer";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { IngestError } from "./errors.js";

export interface PrecheckOptions {
  /** Check the bytes are valid UTF-8 (skip for other encodings). */
  utf8: boolean;
  /** Longest line accepted, in bytes. */
  maxLineBytes: number;
}

/** Facts the readers use afterwards. */
export interface PrecheckResult {
  /** The first line, decoded (for the wrong-delimiter check). */
  firstLine: string;
}

const BLOCK = 1 << 20;

/** Throws an IngestError for an empty, binary, non-UTF-8 or over-long-line file. */
export function precheckTextFile(file: string, o: PrecheckOptions): PrecheckResult {
  const fd = openSync(file, "r");
  try {
    if (fstatSync(fd).size === 0) throw new IngestError(file, 1, "the file is empty");
    const buf = Buffer.allocUnsafe(BLOCK);
    let carry: Buffer = Buffer.alloc(0);
    let line = 1;
    let firstLine: string | null = null;
    let sawText = false;
    for (;;) {
      const n = readSync(fd, buf, 0, BLOCK, null);
      const eof = n === 0;
      const data: Buffer = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      // the complete lines in this block; the tail waits for the next read unless the file ended
      const cut = eof ? data.length : data.lastIndexOf(10) + 1;
      const block = data.subarray(0, cut);
      if (block.length) {
        if (!sawText && /\S/.test(block.subarray(0, 4096).toString("latin1"))) sawText = true;
        const nul = block.indexOf(0);
        if (nul >= 0) throw new IngestError(file, line + countNewlines(block, nul), "binary data (a NUL byte): this is not a text file");
        if (o.utf8 && !isUtf8(block)) throw new IngestError(file, line + firstBadUtf8Line(block), "invalid UTF-8 (pass encoding: 'latin-1' or 'utf-16' if the file uses another encoding)");
        let start = 0;
        for (;;) {
          const nl = block.indexOf(10, start);
          const end = nl < 0 ? block.length : nl;
          if (end - start > o.maxLineBytes) throw new IngestError(file, line, `line is ${end - start} bytes, longer than maxLineBytes=${o.maxLineBytes} (a huge field? raise maxLineBytes to accept it)`);
          if (firstLine === null && (nl >= 0 || eof)) firstLine = block.subarray(start, end).toString("utf8").replace(/\r$/, "");
          if (nl < 0) break;
          line++;
          start = nl + 1;
        }
      }
      carry = Buffer.from(data.subarray(cut));
      if (carry.length > o.maxLineBytes) throw new IngestError(file, line, `line is longer than maxLineBytes=${o.maxLineBytes} (a huge field? raise maxLineBytes to accept it)`);
      if (eof) break;
    }
    if (!sawText) throw new IngestError(file, 1, "the file is empty (only whitespace)");
    return { firstLine: firstLine ?? "" };
  } finally {
    closeSync(fd);
  }
}

function countNewlines(b: Buffer, upTo: number): number {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0 && i < upTo; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** 0-based line within `b` of the first line that is not valid UTF-8. */
function firstBadUtf8Line(b: Buffer): number {
  let start = 0;
  for (let k = 0; ; k++) {
    const nl = b.indexOf(10, start);
    const end = nl < 0 ? b.length : nl;
    if (!isUtf8(b.subarray(start, end))) return k;
    if (nl < 0) return k;
    start = nl + 1;
  }
}
