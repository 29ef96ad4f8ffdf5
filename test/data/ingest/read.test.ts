import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { connect } from "../../../src/data/ingest/duckdb.js";
import { IngestError, ingest, readTable } from "../../../src/data/ingest/index.js";

const dir = mkdtempSync(join(tmpdir(), "ingot-read-"));
function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function ingestError(p: Promise<unknown>): Promise<IngestError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof IngestError, `expected IngestError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected an IngestError");
}

test("CSV: header, inferred types, quoting and missing values", async () => {
  const t = await readTable(file("basic.csv", 'id,name,score,ok\n1,"Smith, J",2.5,true\n2,"say ""hi""",,false\n3,plain,-1e3,\n'));
  assert.deepEqual(t.columnNames, ["id", "name", "score", "ok"]);
  assert.deepEqual(t.columns.map((c) => c.type), ["number", "string", "number", "boolean"]);
  assert.deepEqual(t.row(0), { id: 1, name: "Smith, J", score: 2.5, ok: true });
  assert.deepEqual(t.row(1), { id: 2, name: 'say "hi"', score: null, ok: false });
  assert.deepEqual(t.row(2), { id: 3, name: "plain", score: -1000, ok: null });
});

test("TSV and an explicit delimiter, and no header", async () => {
  const tsv = await readTable(file("a.tsv", "x\ty\n1\t2\n3\t4\n"));
  assert.deepEqual([...(tsv.column("y").values as Float64Array)], [2, 4]);
  const semi = await readTable(file("semi.csv", "5;6\n7;8\n"), { delimiter: ";", header: false });
  assert.equal(semi.numRows, 2);
  assert.equal(semi.columns.length, 2);
});

test("dates become epoch milliseconds", async () => {
  const t = await readTable(file("d.csv", "when,v\n2020-01-02,1\n2021-03-04,2\n"));
  assert.equal(t.column("when").type, "date");
  assert.equal(t.column("when").values[0], Date.UTC(2020, 0, 2));
});

test("schema override forces a type; values that do not fit are quarantined with their line", async () => {
  const p = file("over.csv", "code,v\n007,1\n008,x\n009,3\n");
  const asText = await readTable(p, { columns: { code: "string" } });
  assert.deepEqual(asText.column("code").values, ["007", "008", "009"]);
  const r = await ingest(p, { columns: { v: "number" }, quarantinePath: join(dir, "over.q.jsonl") });
  assert.equal(r.table.numRows, 2);
  assert.deepEqual(r.rejected.map((x) => x.line), [3]);
  assert.match(r.rejected[0].reason, /x/);
});

test("ragged rows are counted and written to the quarantine file, never dropped silently", async () => {
  const p = file("ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n");
  const q = join(dir, "ragged.q.jsonl");
  const r = await ingest(p, { quarantinePath: q });
  assert.equal(r.table.numRows, 2);
  assert.deepEqual([...(r.table.column("a").values as Float64Array)], [1, 10]);
  assert.equal(r.quarantinePath, q);
  const lines = readFileSync(q, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { line: number; raw: string; reason: string });
  assert.deepEqual(lines.map((l) => [l.line, l.raw]), [[3, "4,5"], [4, "6,7,8,9"]]);
  assert.match(lines[0].reason, /MISSING COLUMNS/);
  assert.match(lines[1].reason, /TOO MANY COLUMNS/);
  const e = await ingestError(readTable(p, { badRows: "error" }));
  assert.equal(e.line, 3);
  assert.match(e.message, /ragged\.csv:3: .*2 bad row/);
});

test("clear errors naming file, line and problem", async () => {
  let e = await ingestError(readTable(file("empty.csv", "")));
  assert.match(e.message, /empty\.csv:1: the file is empty/);
  e = await ingestError(readTable(file("blank.csv", "\n  \n")));
  assert.match(e.message, /empty/);
  e = await ingestError(readTable(file("wrongdelim.csv", "a;b;c\n1;2;3\n"), { delimiter: "," }));
  assert.match(e.message, /wrongdelim\.csv:1: .*semicolon.*wrong delimiter/);
  e = await ingestError(readTable(file("utf8.csv", Buffer.concat([Buffer.from("a,b\n1,2\n3,"), Buffer.from([0xff, 0xfe]), Buffer.from("\n")]))));
  assert.match(e.message, /utf8\.csv:3: invalid UTF-8/);
  e = await ingestError(readTable(file("bin.csv", Buffer.concat([Buffer.from("a,b\n1,2\n"), Buffer.from([0x89, 0x50, 0x00, 0x1a, 0x0a])]))));
  assert.match(e.message, /bin\.csv:3: binary data/);
  e = await ingestError(readTable(file("huge.csv", `a,b\n1,${"x".repeat(10 << 20)}\n`)));
  assert.match(e.message, /huge\.csv:2: line is .*longer than maxLineBytes=2097152/);
  e = await ingestError(readTable(join(dir, "missing.csv")));
  assert.match(e.message, /no such file/);
});

test("a 10 MB field is read when maxLineBytes allows it", async () => {
  const t = await readTable(file("huge-ok.csv", `a,b\n1,${"x".repeat(10 << 20)}\n`), { maxLineBytes: 16 << 20 });
  assert.equal((t.column("b").values[0] as string).length, 10 << 20);
});

test("latin-1 encoding", async () => {
  const t = await readTable(file("latin.csv", Buffer.from("name,v\ncaf\xe9,1\n", "latin1")), { encoding: "latin-1" });
  assert.equal(t.column("name").values[0], "café");
});

test("JSON array, JSONL and Parquet", async () => {
  const json = await readTable(file("a.json", '[{"x": 1, "s": "a"}, {"x": 2.5, "s": null}]'));
  assert.deepEqual(json.row(1), { x: 2.5, s: null });
  const jsonl = await readTable(file("a.jsonl", '{"x": 1}\n{"x": 3}\n'));
  assert.deepEqual([...(jsonl.column("x").values as Float64Array)], [1, 3]);
  const pqPath = join(dir, "a.parquet");
  const conn = await connect();
  await conn.run(`COPY (SELECT range AS i, 'r' || range AS s FROM range(5)) TO '${pqPath}' (FORMAT parquet)`);
  conn.closeSync();
  const pq = await readTable(pqPath);
  assert.deepEqual(pq.columnNames, ["i", "s"]);
  assert.deepEqual(pq.row(4), { i: 4, s: "r4" });
});

test("Arrow IPC and unknown extensions are refused with a reason", async () => {
  let e = await ingestError(readTable(file("x.arrow", "ARROW1")));
  assert.match(e.message, /Arrow IPC/);
  e = await ingestError(readTable(file("x.xlsx", "PK")));
  assert.match(e.message, /unknown file type ".xlsx"/);
});
