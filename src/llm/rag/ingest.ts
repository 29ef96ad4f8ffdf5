// Reads documents (files or folders, recursively) and chunks them for the vector index.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { chunkLines, type ChunkOptions, type DocumentChunk } from "./chunk.js";
import { documentFormat, documentLines, type DocumentFormat } from "./formats.js";
import { pdfPages } from "./pdf.js";

/** What ingestDocuments read. */
export interface DocumentIngestResult {
  chunks: DocumentChunk[];
  /** Files read, in order. */
  files: string[];
  /** Files in folders that were not read, and why (unsupported type, a PDF without a text layer). */
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

const UNSUPPORTED = "not a .txt, .md, .html or .pdf file";

/**
 * Reads `.txt`, `.md`, `.html` and `.pdf` files (a folder is walked recursively, hidden entries skipped)
 * and splits each into chunks that keep their source line range; a PDF's pages are sources of their
 * own, `file.pdf#page=N`. A file named explicitly must be readable and supported; inside folders,
 * unsupported files, damaged PDFs and PDFs without a text layer are listed in `skipped`.
 */
export async function ingestDocuments(input: string | readonly string[], opts: ChunkOptions = {}): Promise<DocumentIngestResult> {
  const candidates: { path: string; explicit: boolean }[] = [];
  const skipped: DocumentIngestResult["skipped"] = [];
  for (const p of typeof input === "string" ? [input] : input) {
    const s = await stat(p).catch(() => null);
    if (!s) throw new Error(`${p}: no such file or folder`);
    if (s.isDirectory()) {
      const found: string[] = [];
      await walk(p, found);
      for (const f of found) {
        if (documentFormat(f)) candidates.push({ path: f, explicit: false });
        else skipped.push({ path: f, reason: UNSUPPORTED });
      }
    } else if (documentFormat(p)) candidates.push({ path: p, explicit: true });
    else throw new Error(`${p}: ${UNSUPPORTED}`);
  }
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const files: string[] = [];
  const chunks: DocumentChunk[] = [];
  for (const { path: f, explicit } of candidates) {
    const format = documentFormat(f) as DocumentFormat;
    if (format === "pdf") {
      let pages: string[][];
      try {
        pages = await pdfPages(f, await readFile(f));
        if (pages.every((lines) => lines.every((l) => l === ""))) throw new Error(`${f}: the PDF has no text layer (scanned?); run OCR on it first`);
      } catch (e) {
        if (explicit) throw e;
        skipped.push({ path: f, reason: (e as Error).message.slice(f.length + 2) });
        continue;
      }
      pages.forEach((lines, i) => chunks.push(...chunkLines(`${f}#page=${i + 1}`, lines, opts)));
    } else {
      let text: string;
      try {
        text = decoder.decode(await readFile(f));
      } catch (e) {
        if (e instanceof TypeError) throw new Error(`${f}: not valid UTF-8 text`);
        throw e;
      }
      chunks.push(...chunkLines(f, documentLines(text, format), opts));
    }
    files.push(f);
  }
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { chunks, files, skipped };
}
