// Chunking and document formats of the retrieval assistant: chunks keep true line numbers of the source
// file, overlap by whole lines, and markup is removed without moving lines.
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { chunkLines, documentLines, ingestDocuments } from "../../src/llm/rag/index.js";
import { makePdf } from "./pdf-fixture.js";
import { pdfPages } from "../../src/llm/rag/pdf.js";

const dir = mkdtempSync(join(tmpdir(), "ingot-rag-chunk-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const fileLines = (path: string): string[] => readFileSync(path, "utf8").split("\n");

test("chunks respect the size, cover every non-blank line, overlap by whole lines and name real lines", () => {
  const lines = Array.from({ length: 60 }, (_, i) => (i % 7 === 6 ? "" : `line ${i + 1} ${"word ".repeat(i % 5)}`.trimEnd()));
  const chunks = chunkLines("doc.txt", lines, { chunkSize: 80, overlap: 20 });
  assert.ok(chunks.length > 5);
  const covered = new Set<number>();
  for (const [i, c] of chunks.entries()) {
    assert.ok(c.text.length <= 80, `chunk ${i} has ${c.text.length} chars`);
    assert.equal(c.text, lines.slice(c.startLine - 1, c.endLine).join("\n").trim(), `chunk ${i} text is lines ${c.startLine}-${c.endLine}`);
    assert.notEqual(lines[c.startLine - 1], "", "chunks start on a non-blank line");
    assert.notEqual(lines[c.endLine - 1], "", "chunks end on a non-blank line");
    for (let l = c.startLine; l <= c.endLine; l++) covered.add(l);
    if (i > 0) {
      const prev = chunks[i - 1];
      assert.ok(c.startLine > prev.startLine, "chunks move forward");
      // the overlap: lines shared with the previous chunk total at most 20 characters
      const shared = lines.slice(c.startLine - 1, Math.min(prev.endLine, c.endLine));
      assert.ok(c.startLine > prev.endLine || shared.join("\n").length <= 20, `overlap of chunk ${i}`);
    }
  }
  for (const [i, l] of lines.entries()) if (l !== "") assert.ok(covered.has(i + 1), `line ${i + 1} is in some chunk`);
  // some chunks really do overlap (short lines fit in 20 chars)
  assert.ok(chunks.some((c, i) => i > 0 && c.startLine <= chunks[i - 1].endLine));
  // no overlap asked for: chunks are disjoint
  const plain = chunkLines("doc.txt", lines, { chunkSize: 80, overlap: 0 });
  for (let i = 1; i < plain.length; i++) assert.ok(plain[i].startLine > plain[i - 1].endLine);
});

test("a line longer than the chunk size is split into pieces on that line", () => {
  const long = "abcdefghij".repeat(25);
  const chunks = chunkLines("x.txt", ["short", long, "tail"], { chunkSize: 100, overlap: 10 });
  const pieces = chunks.filter((c) => c.startLine === 2);
  assert.ok(pieces.length >= 3);
  for (const p of pieces) assert.ok(p.text.length <= 100 && long.includes(p.text));
  assert.equal(pieces[0].text + pieces.slice(1).map((p) => p.text.slice(10)).join(""), long);
  assert.deepEqual(chunks[0], { source: "x.txt", startLine: 1, endLine: 1, text: "short" });
  assert.equal(chunks.at(-1)!.text, "tail");
  assert.throws(() => chunkLines("x.txt", ["a"], { chunkSize: 10, overlap: 10 }), /overlap must be an integer in \[0, chunkSize\)/);
  assert.throws(() => chunkLines("x.txt", ["a"], { chunkSize: 0 }), /chunkSize must be a positive integer/);
});

test("Markdown and HTML lose their markup but keep one entry per file line", () => {
  const md = "# Title\n\nSome **bold** and `code` with a [link](http://x.y).\n\n- item one\n> quoted\n```js\nlet x = 1;\n```\n";
  const mdLines = documentLines(md, "markdown");
  assert.equal(mdLines.length, md.split("\n").length);
  assert.deepEqual(mdLines.slice(0, 6), ["Title", "", "Some bold and code with a link.", "", "item one", "quoted"]);
  assert.equal(mdLines[6], "");
  assert.equal(mdLines[7], "let x = 1;");

  const html = "<html><head><title>T</title>\n<script>\nvar secret = 1;\n</script><style>p{}</style></head>\n<body><!-- a\ncomment -->\n<p>Caf&eacute; &amp; <b>tea</b> &#8364;5</p>\n<p\n class=\"x\">split tag</p></body></html>";
  const hLines = documentLines(html, "html");
  assert.equal(hLines.length, html.split("\n").length);
  assert.ok(!hLines.join(" ").includes("secret"), "script bodies are dropped");
  assert.ok(!hLines.join(" ").includes("comment"), "comments are dropped");
  assert.ok(!hLines.join(" ").includes("<"), "no tags left");
  const tea = hLines.findIndex((l) => l.includes("tea"));
  assert.equal(html.split("\n")[tea].includes("tea"), true, "text stays on its own line");
  assert.match(hLines[tea], /& tea €5/);
  assert.equal(hLines[hLines.length - 1], "split tag");
});

test("ingestDocuments walks a folder, reads each format, cites real lines and skips damaged PDFs and other files", async () => {
  const docs = join(dir, "docs");
  mkdirSync(join(docs, "sub"), { recursive: true });
  mkdirSync(join(docs, ".git"));
  writeFileSync(join(docs, "a.txt"), "Penguins live in the southern hemisphere.\n\nEmperor penguins are the tallest.\r\nThey breed in winter.\n");
  writeFileSync(join(docs, "sub", "b.md"), "# Owls\n\nOwls hunt at **night**.\n");
  writeFileSync(join(docs, "c.html"), "<html><body>\n<h1>Bees</h1>\n<p>Bees make honey.</p>\n</body></html>\n");
  writeFileSync(join(docs, "d.pdf"), "%PDF-1.4 not really");
  writeFileSync(join(docs, "e.csv"), "a,b\n1,2\n");
  writeFileSync(join(docs, ".git", "HEAD"), "ref: main\n");
  writeFileSync(join(docs, "f.pdf"), makePdf([["Refunds are paid within 14 days."], ["Shipping takes (about) 3 days.", "Express is 1 day."]]));
  writeFileSync(join(docs, "g.pdf"), makePdf([[]])); // a page without text, as a scan has

  const r = await ingestDocuments(docs, { chunkSize: 60, overlap: 0 });
  assert.deepEqual(r.files, [join(docs, "a.txt"), join(docs, "c.html"), join(docs, "f.pdf"), join(docs, "sub", "b.md")]);
  assert.deepEqual(r.skipped.map((s) => s.path), [join(docs, "d.pdf"), join(docs, "e.csv"), join(docs, "g.pdf")]);
  assert.match(r.skipped[0].reason, /^not a readable PDF \(/);
  assert.match(r.skipped[2].reason, /no text layer/);
  // a PDF's pages are sources of their own, with lines counted within the page
  const express = r.chunks.find((c) => c.text.includes("Express is 1 day."))!;
  assert.deepEqual([express.source, express.startLine, express.endLine], [`${join(docs, "f.pdf")}#page=2`, 1, 2]);
  assert.match(express.text, /Shipping takes \(about\) 3 days\./);
  assert.ok(r.chunks.some((c) => c.source === `${join(docs, "f.pdf")}#page=1` && c.text === "Refunds are paid within 14 days."));
  for (const c of r.chunks.filter((x) => !x.source.includes(".pdf#"))) {
    // every chunk's words appear on the lines it cites
    const cited = fileLines(c.source).slice(c.startLine - 1, c.endLine).join(" ").replace(/[*#`]/g, "");
    for (const w of c.text.split(/\s+/)) assert.ok(cited.includes(w), `${w} on ${c.source}:${c.startLine}-${c.endLine}`);
  }
  const bees = r.chunks.find((c) => c.text.includes("Bees make honey"))!;
  assert.equal(bees.source, join(docs, "c.html"));
  assert.equal(bees.startLine, 2);
  assert.equal(bees.endLine, 3);
  const owls = r.chunks.find((c) => c.text.includes("Owls hunt at night."))!;
  assert.equal(owls.endLine, 3);
  const emperor = r.chunks.find((c) => c.text.includes("Emperor"))!;
  assert.equal(emperor.startLine, 3);

  await assert.rejects(ingestDocuments(join(docs, "d.pdf")), /d\.pdf: not a readable PDF/);
  await assert.rejects(ingestDocuments(join(docs, "g.pdf")), /g\.pdf: the PDF has no text layer/);
  await assert.rejects(ingestDocuments(join(docs, "missing")), /missing: no such file or folder/);
  writeFileSync(join(dir, "bad.txt"), Buffer.from([0x61, 0xff, 0xfe, 0x62]));
  await assert.rejects(ingestDocuments(join(dir, "bad.txt")), /bad\.txt: not valid UTF-8 text/);
});

test("pdfPages on truncated and bit-flipped PDFs: text or a one-line error naming the file, nothing else", async () => {
  const good = makePdf([["Refunds are paid within 14 days."], ["Shipping takes 3 days."]]);
  const variants: Uint8Array[] = [];
  for (let k = 1; k <= 30; k++) variants.push(good.slice(0, Math.floor((good.length * k) / 31)));
  let seed = 7;
  for (let k = 0; k < 30; k++) {
    const v = good.slice();
    for (let f = 0; f < 3; f++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      v[seed % v.length] ^= 1 << (seed >>> 29);
    }
    variants.push(v);
  }
  let failed = 0;
  for (const v of variants) {
    try {
      const pages = await pdfPages("x.pdf", v);
      assert.ok(Array.isArray(pages) && pages.every((p) => p.every((l) => typeof l === "string")));
    } catch (e) {
      failed++;
      assert.match((e as Error).message, /^x\.pdf: not a readable PDF \(.*\)$/);
    }
  }
  assert.ok(failed > 0, "some damage must be reported");
});
