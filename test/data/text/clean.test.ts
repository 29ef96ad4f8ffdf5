import assert from "node:assert/strict";
import { test } from "node:test";
import { cleanText, normalizeWhitespace, stripEmailHeaders, stripHtml } from "../../../src/data/text/index.js";

test("stripHtml removes tags, comments, scripts and styles and decodes entities", () => {
  assert.equal(stripHtml("<p>Hi&nbsp;<b>there</b> &amp; &#65;&#x42;</p>"), " Hi  there  & AB ");
  assert.equal(stripHtml("a<!-- hidden -->b<script>evil()</script>c<style>p{}</style>d"), "a b c d");
  assert.equal(stripHtml("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2"); // not tags
  assert.equal(stripHtml("&bogus; &#0;"), "&bogus; &#0;");
});

test("stripEmailHeaders drops the header block (folded lines included) up to the first blank line", () => {
  const mail = "From a@b.c  Thu Aug 22 2002\nSubject: hello\nReceived: from x\n\tby y\n\nBody line 1\n\nBody line 2";
  assert.equal(stripEmailHeaders(mail), "Body line 1\n\nBody line 2");
  assert.equal(stripEmailHeaders("Dear friend,\nSubject: not a header"), "Dear friend,\nSubject: not a header");
  assert.equal(stripEmailHeaders("Note: this is prose\nwithout a blank line"), "Note: this is prose\nwithout a blank line");
});

test("cleanText applies headers, HTML, case and whitespace in order", () => {
  const mail = "Subject: x\r\n\r\n<p>Hello   WORLD</p>\n\n Bye";
  assert.equal(cleanText(mail, { stripEmailHeaders: true, stripHtml: true, lowercase: true, normalizeWhitespace: true }), "hello world bye");
  assert.equal(cleanText(mail, {}), mail);
  assert.equal(normalizeWhitespace("\u00a0a \t\n b\u2003"), "a b");
  assert.throws(() => cleanText(null as unknown as string, {}), /text must be a string, got null/);
});
