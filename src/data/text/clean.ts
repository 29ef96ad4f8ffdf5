// Text cleaning steps, each a pure string → string function, plus a serialisable bundle of them so the
// same cleaning runs at serving time as in training.

/** Which cleaning steps cleanText applies (in the order listed here). */
export interface CleanOptions {
  /** Drop an RFC 822 header block (lines up to the first blank line) when the text starts with one. */
  stripEmailHeaders?: boolean;
  /** Remove tags, scripts/styles and comments; decode common entities. */
  stripHtml?: boolean;
  /** Lower-case (locale-independent). */
  lowercase?: boolean;
  /** Collapse runs of whitespace to one space and trim. */
  normalizeWhitespace?: boolean;
}

/** Lower-cases without locale rules, so every server gives the same result. */
export function lowercase(text: string): string {
  return text.toLowerCase();
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** Removes HTML tags, comments, script and style bodies, and decodes named and numeric entities. */
export function stripHtml(text: string): string {
  return text
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, " ")
    .replace(/<\/?[A-Za-z!][^>]*>/g, " ")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === "#") {
        const cp = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : m;
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    });
}

// "Name: value" or an mbox "From " line, or a folded continuation line (leading whitespace)
const HEADER_LINE = /^(?:[!-9;-~]+:|From |[ \t])/;

/**
 * Drops the e-mail header block: if the text's first line looks like a header, everything up to and
 * including the first blank line goes. Text that does not start with headers is returned unchanged.
 */
export function stripEmailHeaders(text: string): string {
  if (!/^(?:[!-9;-~]+:|From )/.test(text)) return text;
  const lines = text.split(/\r?\n/);
  let i = 0;
  while (i < lines.length && lines[i] !== "" && HEADER_LINE.test(lines[i])) i++;
  if (i < lines.length && lines[i] !== "") return text; // a non-header line before any blank line: not a header block
  return lines.slice(i + 1).join("\n");
}

/** Collapses whitespace runs (including Unicode spaces) to one space and trims the ends. */
export function normalizeWhitespace(text: string): string {
  return text.replace(/\s+/gu, " ").trim();
}

/** Applies the chosen steps in a fixed order: headers, HTML, case, whitespace. */
export function cleanText(text: string, opts: CleanOptions): string {
  if (typeof text !== "string") throw new TypeError(`cleanText: text must be a string, got ${text === null ? "null" : typeof text}`);
  let t = text;
  if (opts.stripEmailHeaders) t = stripEmailHeaders(t);
  if (opts.stripHtml) t = stripHtml(t);
  if (opts.lowercase) t = lowercase(t);
  if (opts.normalizeWhitespace) t = normalizeWhitespace(t);
  return t;
}

/** Checks CleanOptions read back from JSON. */
export function checkCleanOptions(op: string, json: unknown): CleanOptions {
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new TypeError(`${op}: clean options must be an object`);
  const o = json as Record<string, unknown>;
  const keys = ["stripEmailHeaders", "stripHtml", "lowercase", "normalizeWhitespace"];
  for (const [k, v] of Object.entries(o)) {
    if (!keys.includes(k)) throw new TypeError(`${op}: unknown clean option "${k}" (expected ${keys.join(", ")})`);
    if (typeof v !== "boolean") throw new TypeError(`${op}: clean option "${k}" must be a boolean, got ${typeof v}`);
  }
  return { ...o } as CleanOptions;
}
