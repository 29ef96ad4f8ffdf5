// Turns a document file into plain-text lines, one per line of the file, so chunks can cite real line
// numbers: markup is removed in place and never joins or splits lines.
import { extname } from "node:path";
import { stripHtml } from "../../data/text/clean.js";

/** The file types ingestDocuments reads (PDF through its text layer, see pdf.ts). */
export type DocumentFormat = "text" | "markdown" | "html" | "pdf";

const EXTENSIONS: Record<string, DocumentFormat> = {
  ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".pdf": "pdf",
};

/** The format of `path` by its extension, or null when ingestDocuments does not read it. */
export function documentFormat(path: string): DocumentFormat | null {
  return EXTENSIONS[extname(path).toLowerCase()] ?? null;
}

/** `s` with every character except newlines removed: the lines it spanned stay, empty. */
const keepNewlines = (s: string): string => s.replace(/[^\n]/g, " ");

/** HTML to text lines: comments, scripts and styles blanked, tags removed, entities decoded. */
function htmlLines(text: string): string[] {
  const blanked = text
    .replace(/<!--[\s\S]*?-->/g, keepNewlines)
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, keepNewlines)
    .replace(/<\/?[A-Za-z!][^>]*>/g, keepNewlines);
  return blanked.split("\n").map((l) => stripHtml(l).replace(/\s+/g, " ").trim());
}

/** Markdown to text lines, lightly: headings, quotes, list markers, emphasis, code fences, link targets. */
function markdownLines(text: string): string[] {
  return text.split("\n").map((line) => {
    if (/^\s*(```|~~~)/.test(line)) return "";
    return line
      .replace(/^\s{0,3}#{1,6}\s+/, "")
      .replace(/^\s*>\s?/, "")
      .replace(/^\s*(?:[-*+]|\d+[.)])\s+/, "")
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/(\*\*|__)(.+?)\1/g, "$2")
      .replace(/`([^`]*)`/g, "$1")
      .trimEnd();
  });
}

/** The text lines of a text document's content in `format` (PDFs are bytes: see pdfPages). */
export function documentLines(text: string, format: Exclude<DocumentFormat, "pdf">): string[] {
  const normalized = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  if (format === "html") return htmlLines(normalized);
  if (format === "markdown") return markdownLines(normalized);
  return normalized.split("\n").map((l) => l.trimEnd());
}
