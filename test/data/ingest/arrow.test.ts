import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import * as A from "apache-arrow";
import { IngestError, readArrow, readTable, sql, streamBatches, streamFloat32Batches, writeArrow } from "../../../src/data/ingest/index.js";
import { Table } from "../../../src/data/table.js";
import { mulberry32 } from "../../../src/tensor/random.js";

const dir = mkdtempSync(join(tmpdir(), "ingot-arrow-"));

/** Every column type Table has, each with missing values. */
function sample(): Table {
  return new Table([
    { name: "x", type: "number", values: Float64Array.from([1.5, NaN, -3, 1e300, 0]) },
    { name: "name", type: "string", values: ["a", null, "ünïcødé ✓", "", "e,\"f\"\n"] },
    { name: "flag", type: "boolean", values: [true, false, null, true, false] },
    { name: "when", type: "date", values: Float64Array.from([Date.UTC(2020, 0, 1), NaN, Date.UTC(1969, 11, 31, 23, 59), 0, Date.UTC(2038, 5, 1, 12)]) },
  ]);
}

function assertSameTable(got: Table, want: Table): void {
  assert.deepEqual(got.columns.map((c) => [c.name, c.type]), want.columns.map((c) => [c.name, c.type]));
  for (let i = 0; i < want.numRows; i++) assert.deepEqual(got.row(i), want.row(i), `row ${i}`);
  assert.equal(got.numRows, want.numRows);
}

for (const format of ["file", "stream"] as const) {
  test(`writeArrow/readArrow round-trip numbers, text, booleans, dates and nulls (${format} format)`, async () => {
    const p = join(dir, `round.${format}.arrow`);
    await writeArrow(sample(), p, { format });
    // the file format starts and ends with the ARROW1 magic; the stream format does not
    assert.equal(readFileSync(p).subarray(0, 6).toString() === "ARROW1", format === "file");
    assertSameTable(await readArrow(p), sample());
    // readTable dispatches on the extension
    const feather = join(dir, `round.${format}.feather`);
    await writeArrow(sample(), feather, { format });
    assertSameTable(await readTable(feather), sample());
  });
}

/** A file apache-arrow writes itself: several record batches, integer widths, float32, dictionary text, day dates. */
function writeForeign(p: string, batches: number, rowsPer: number): void {
  const n = batches * rowsPer;
  const whole = new A.Table({
    i32: A.vectorFromArray(Array.from({ length: n }, (_, i) => (i % 7 === 3 ? null : i)), new A.Int32()),
    i64: A.vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i) * 1000n), new A.Int64()),
    f32: A.vectorFromArray(Array.from({ length: n }, (_, i) => i / 4), new A.Float32()),
    cat: A.vectorFromArray(Array.from({ length: n }, (_, i) => ["red", "green", null][i % 3]), new A.Dictionary(new A.Utf8(), new A.Int32())),
    day: A.vectorFromArray(Array.from({ length: n }, (_, i) => new Date(Date.UTC(2021, 0, 1 + (i % 365)))), new A.DateDay()),
  });
  // slices of one table share its schema (and dictionary), so they make a multi-batch table
  const parts = Array.from({ length: batches }, (_, b) => whole.slice(b * rowsPer, (b + 1) * rowsPer).batches).flat();
  const multi = new A.Table(parts);
  assert.equal(multi.batches.length, batches);
  writeFileSync(p, A.tableToIPC(multi, "stream"));
}

test("Arrow types written by apache-arrow map to Table types, across record batches", async () => {
  const p = join(dir, "foreign.ipc");
  writeForeign(p, 3, 10);
  const t = await readTable(p);
  assert.deepEqual(t.columns.map((c) => [c.name, c.type]), [["i32", "number"], ["i64", "number"], ["f32", "number"], ["cat", "string"], ["day", "date"]]);
  assert.equal(t.numRows, 30);
  for (let r = 0; r < 30; r++) {
    const row = t.row(r);
    assert.equal(row.i32, r % 7 === 3 ? null : r);
    assert.equal(row.i64, r * 1000);
    assert.equal(row.f32, r / 4);
    assert.equal(row.cat, ["red", "green", null][r % 3]);
    assert.equal((row.day as Date).getTime(), Date.UTC(2021, 0, 1 + (r % 365)));
  }
});

test("Arrow files stream in batches of batchSize across record batches, with select and limit", async () => {
  const p = join(dir, "batches.arrow");
  writeForeign(p, 4, 25);
  const sizes: number[] = [];
  const firsts: unknown[] = [];
  for await (const b of streamBatches(p, { batchSize: 30, select: ["i64", "cat"], limit: 95 })) {
    assert.deepEqual(b.columnNames, ["i64", "cat"]);
    sizes.push(b.numRows);
    firsts.push(b.row(0).i64);
  }
  assert.deepEqual(sizes, [30, 30, 30, 5]);
  assert.deepEqual(firsts, [0, 30000, 60000, 90000]);
  let rows = 0;
  for await (const b of streamFloat32Batches(p, { batchSize: 16, select: ["i32", "f32"] })) {
    assert.equal(b.data.length, b.rows * 2);
    for (let i = 0; i < b.rows; i++) {
      const r = rows + i;
      if (r % 7 === 3) assert.ok(Number.isNaN(b.data[2 * i]));
      else assert.equal(b.data[2 * i], r);
      assert.equal(b.data[2 * i + 1], r / 4);
    }
    rows += b.rows;
  }
  assert.equal(rows, 100);
  await assert.rejects(async () => {
    for await (const _ of streamFloat32Batches(p, { batchSize: 8 })) void _;
  }, /"cat" .*text/);
});

test("sql() queries an Arrow file next to other sources", async () => {
  const p = join(dir, "q.arrow");
  await writeArrow(sample(), p);
  const t = await sql("SELECT name, x FROM s WHERE flag ORDER BY x", { tables: { s: p } });
  assert.deepEqual(t.columnNames, ["name", "x"]);
  assert.deepEqual([t.row(0), t.row(1)], [{ name: "a", x: 1.5 }, { name: "", x: 1e300 }]);
});

/** Reads a damaged file both ways; each must give Tables or an IngestError naming the file, quickly. */
async function readDamaged(p: string): Promise<"table" | "error"> {
  const outcomes: ("table" | "error")[] = [];
  for (const read of [
    async () => (await readArrow(p)).numRows,
    async () => {
      let n = 0;
      for await (const b of streamBatches(p, { batchSize: 7 })) n += b.numRows;
      return n;
    },
  ]) {
    const t0 = performance.now();
    try {
      await read();
      outcomes.push("table");
    } catch (e) {
      assert.ok(e instanceof IngestError, `${p}: not an IngestError: ${String(e)}`);
      assert.ok(e.message.startsWith(p), `the message names the file: ${e.message}`);
      outcomes.push("error");
    }
    assert.ok(performance.now() - t0 < 3000, `${p} took too long`);
  }
  return outcomes[0];
}

test("fuzzed Arrow files: truncations and byte flips give a Table or an IngestError naming the file, never a crash", async () => {
  for (const format of ["file", "stream"] as const) {
    const good = join(dir, `good.${format}.arrow`);
    writeForeign(good, 2, 12);
    if (format === "file") writeFileSync(good, A.tableToIPC(A.tableFromIPC(readFileSync(good)), "file"));
    const bytes = readFileSync(good);
    const seen = { table: 0, error: 0 };
    // every truncation point that cuts into the schema, a batch or the footer
    for (let cut = 0; cut < bytes.length; cut += 13) {
      const p = join(dir, `cut-${format}-${cut}.arrow`);
      writeFileSync(p, bytes.subarray(0, cut));
      seen[await readDamaged(p)]++;
    }
    const r = mulberry32(format === "file" ? 7 : 11);
    for (let k = 0; k < 120; k++) {
      const b = Buffer.from(bytes);
      for (let e = 1 + Math.floor(r() * 4); e > 0; e--) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      const p = join(dir, `flip-${format}-${k}.arrow`);
      writeFileSync(p, b);
      seen[await readDamaged(p)]++;
    }
    // flips in the data buffers leave a readable file; flips in the metadata do not: both must occur
    assert.ok(seen.table > 5 && seen.error > 5, `${format}: ${JSON.stringify(seen)}`);
  }
});

test("an Arrow file with a type Table cannot hold is refused naming the column", async () => {
  const p = join(dir, "list.arrow");
  writeFileSync(p, A.tableToIPC(new A.Table({ xs: A.vectorFromArray([[1, 2], [3]], new A.List(new A.Field("item", new A.Int32()))) })));
  await assert.rejects(readArrow(p), (e: unknown) => e instanceof IngestError && /column "xs" has Arrow type List/.test(e.message));
  await assert.rejects(readArrow(join(dir, "absent.arrow")), /no such file/);
});

const PY = "/usr/bin/python3";
const hasPyarrow = existsSync(PY) && spawnSync(PY, ["-c", "import pyarrow"]).status === 0;

test("pyarrow reads what writeArrow writes, and writeArrow's reader reads pyarrow's files", { skip: hasPyarrow ? false : `pyarrow is not installed for ${PY}` }, async () => {
  const ours = join(dir, "ours.arrow");
  await writeArrow(sample(), ours);
  const theirs = join(dir, "theirs.arrow");
  const script = [
    "import sys, json, pyarrow as pa, pyarrow.ipc as ipc",
    "t = ipc.open_file(sys.argv[1]).read_all()",
    "print(json.dumps([t.num_rows, t.column('name').to_pylist(), t.column('flag').to_pylist()]))",
    "w = ipc.new_file(sys.argv[2], pa.schema([('v', pa.float64()), ('s', pa.string())]))",
    "w.write_table(pa.table({'v': [1.0, None, 3.5], 's': ['x', None, 'z']}))",
    "w.close()",
  ].join("\n");
  const r = spawnSync(PY, ["-c", script, ours, theirs], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [5, ["a", null, "ünïcødé ✓", "", "e,\"f\"\n"], [true, false, null, true, false]]);
  const t = await readArrow(theirs);
  assert.deepEqual([t.row(0), t.row(1), t.row(2)], [{ v: 1, s: "x" }, { v: null, s: null }, { v: 3.5, s: "z" }]);
});
