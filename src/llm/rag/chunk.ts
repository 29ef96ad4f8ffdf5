// Splits a document's lines into overlapping chunks of about `chunkSize` characters, keeping the line
// range each chunk came from so an answer can cite `file:12-18`.

/** A piece of a document, with the 1-based lines of the source file it covers. */
export interface DocumentChunk {
  /** The file it came from, as passed to ingestDocuments (joined with the folder for folders). */
  source: string;
  startLine: number;
  endLine: number;
  text: string;
}

/** Options of chunkLines and ingestDocuments. */
export interface ChunkOptions {
  /** Most characters per chunk (default 800); a single longer line is split into pieces. */
  chunkSize?: number;
  /** Characters of trailing whole lines repeated at the start of the next chunk (default 100). */
  overlap?: number;
}

function checkOptions(opts: ChunkOptions): { chunkSize: number; overlap: number } {
  const chunkSize = opts.chunkSize ?? 800;
  const overlap = opts.overlap ?? 100;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= chunkSize) throw new RangeError(`overlap must be an integer in [0, chunkSize), got ${overlap}`);
  return { chunkSize, overlap };
}

const blank = (s: string): boolean => s.trim() === "";

/** Pieces of one over-long line, `chunkSize` characters each, overlapping by `overlap`. */
function splitLine(source: string, line: string, lineNo: number, chunkSize: number, overlap: number): DocumentChunk[] {
  const out: DocumentChunk[] = [];
  for (let at = 0; at < line.length; at += chunkSize - overlap) {
    const text = line.slice(at, at + chunkSize).trim();
    if (text) out.push({ source, startLine: lineNo, endLine: lineNo, text });
    if (at + chunkSize >= line.length) break;
  }
  return out;
}

/**
 * Chunks `lines` (already cleaned of markup, one entry per line of the source file, so line numbers stay
 * true to the file). Chunks hold whole lines; blank lines at a chunk's ends are dropped.
 */
export function chunkLines(source: string, lines: readonly string[], opts: ChunkOptions = {}): DocumentChunk[] {
  const { chunkSize, overlap } = checkOptions(opts);
  const out: DocumentChunk[] = [];
  const n = lines.length;
  let start = 0;
  while (start < n && blank(lines[start])) start++;
  while (start < n) {
    if (lines[start].length > chunkSize) {
      out.push(...splitLine(source, lines[start], start + 1, chunkSize, overlap));
      start++;
    } else {
      let end = start;
      let size = 0;
      while (end < n && lines[end].length <= chunkSize && size + lines[end].length + (end > start ? 1 : 0) <= chunkSize) {
        size += lines[end].length + (end > start ? 1 : 0);
        end++;
      }
      let last = end - 1;
      while (last > start && blank(lines[last])) last--;
      out.push({ source, startLine: start + 1, endLine: last + 1, text: lines.slice(start, last + 1).join("\n").trim() });
      if (end >= n) break;
      // step back over whole trailing lines that fit in `overlap`, always moving forward at least one line
      let next = end;
      let carried = 0;
      while (next - 1 > start && carried + lines[next - 1].length + 1 <= overlap) carried += lines[--next].length + 1;
      start = next;
    }
    while (start < n && blank(lines[start])) start++;
  }
  return out;
}
