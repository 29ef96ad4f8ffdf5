// Reads documents (files or folders, recursively) and chunks them for the vector index.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { chunkLines, type ChunkOptions, type DocumentChunk } from "./chunk.js";
import { documentFormat, documentLines } from "./formats.js";

/** What ingestDocuments read. */
export interface DocumentIngestResult {
  chunks: DocumentChunk[];
  /** Files read, in order. */
  files: string[];
  /** Files in folders that were not read, and why (unsupported type, PDF). */
  skipped: { path: string; reason: string }[];
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith(".")) continue; // hidden files and folders (.git, editor state) are not documents
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

function whyNot(path: string): string {
  return /\.pdf$/i.test(path) ? "PDF is not supported (no well-kept parser is installed); convert it to text first" : "not a .txt, .md or .html file";
}

/**
 * Reads `.txt`, `.md` and `.html` files (a folder is walked recursively, hidden entries skipped) and
 * splits each into chunks that keep their source line range. A file named explicitly must be readable
 * and supported; unsupported files inside folders are listed in `skipped`.
 */
export async function ingestDocuments(input: string | readonly string[], opts: ChunkOptions = {}): Promise<DocumentIngestResult> {
  const files: string[] = [];
  const skipped: DocumentIngestResult["skipped"] = [];
  for (const p of typeof input === "string" ? [input] : input) {
    const s = await stat(p).catch(() => null);
    if (!s) throw new Error(`${p}: no such file or folder`);
    if (s.isDirectory()) {
      const found: string[] = [];
      await walk(p, found);
      for (const f of found) {
        if (documentFormat(f)) files.push(f);
        else skipped.push({ path: f, reason: whyNot(f) });
      }
    } else if (documentFormat(p)) files.push(p);
    else throw new Error(`${p}: ${whyNot(p)}`);
  }
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const chunks: DocumentChunk[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = decoder.decode(await readFile(f));
    } catch (e) {
      if (e instanceof TypeError) throw new Error(`${f}: not valid UTF-8 text`);
      throw e;
    }
    chunks.push(...chunkLines(f, documentLines(text, documentFormat(f)!), opts));
  }
  return { chunks, files, skipped };
}
