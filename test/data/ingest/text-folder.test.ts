import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { IngestError, loadSpamAssassin, readTextFolder } from "../../../src/data/ingest/index.js";

test("readTextFolder labels each file by its sub-folder", () => {
  const dir = mkdtempSync(join(tmpdir(), "ingot-text-"));
  mkdirSync(join(dir, "spam"));
  mkdirSync(join(dir, "ham"));
  writeFileSync(join(dir, "spam", "1.txt"), "WIN money now");
  writeFileSync(join(dir, "spam", "2.txt"), "cheap pills");
  writeFileSync(join(dir, "ham", "a.txt"), "lunch at noon?");
  writeFileSync(join(dir, "ham", "notes.md"), "not a message");
  const t = readTextFolder(dir, { extensions: [".txt"] });
  assert.deepEqual(t.columnNames, ["text", "label", "file"]);
  assert.deepEqual(t.column("label").values, ["ham", "spam", "spam"]);
  assert.deepEqual(t.column("text").values, ["lunch at noon?", "WIN money now", "cheap pills"]);
  assert.equal(readTextFolder(dir).numRows, 4);
  writeFileSync(join(dir, "ham", "bad.txt"), Buffer.from([0x68, 0xe9, 0x21]));
  assert.throws(() => readTextFolder(dir), (e: unknown) => e instanceof IngestError && /bad\.txt: invalid UTF-8/.test(e.message));
  const latin = readTextFolder(dir, { encoding: "latin-1" });
  assert.equal(latin.column("text").values[(latin.column("file").values as string[]).indexOf(join("ham", "bad.txt"))], "hé!");
  assert.throws(() => readTextFolder(join(dir, "spam")), /no sub-folders/);
});

test("loadSpamAssassin reads the @stdlib corpus with spam/ham labels", () => {
  const t = loadSpamAssassin();
  const labels = t.column("label").values as string[];
  const groups = t.column("group").values as string[];
  assert.equal(t.numRows, 6046);
  assert.equal(labels.filter((l) => l === "spam").length, 500 + 1396);
  for (let i = 0; i < t.numRows; i++) assert.equal(labels[i] === "spam", groups[i].startsWith("spam"));
  assert.match(t.column("text").values[0] as string, /^From /);
});
