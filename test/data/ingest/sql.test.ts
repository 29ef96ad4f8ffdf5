import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { sql } from "../../../src/data/ingest/index.js";
import { Table } from "../../../src/data/table.js";

test("sql joins a file with an in-memory Table and filters", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ingot-sql-"));
  const people = join(dir, "people.csv");
  writeFileSync(people, "id,name\n1,ann\n2,bob\n3,cy\n");
  const scores = new Table([
    { name: "id", type: "number", values: Float64Array.from([1, 2, 2, 3]) },
    { name: "score", type: "number", values: Float64Array.from([10, 5, NaN, 7]) },
    { name: "at", type: "date", values: Float64Array.from([Date.UTC(2020, 0, 1), Date.UTC(2020, 0, 2), NaN, Date.UTC(2021, 5, 3)]) },
  ]);
  const t = await sql("SELECT p.name, sum(s.score) AS total, max(s.at) AS last FROM people p JOIN scores s USING (id) WHERE s.score IS NOT NULL GROUP BY p.name ORDER BY total DESC", { tables: { people, scores } });
  assert.deepEqual(t.columnNames, ["name", "total", "last"]);
  assert.deepEqual(t.column("name").values, ["ann", "cy", "bob"]);
  assert.deepEqual([...(t.column("total").values as Float64Array)], [10, 7, 5]);
  assert.equal(t.column("last").type, "date");
  assert.deepEqual([...(t.column("last").values as Float64Array)], [Date.UTC(2020, 0, 1), Date.UTC(2021, 5, 3), Date.UTC(2020, 0, 2)]);
});

test("a bad query is an error naming the problem", async () => {
  await assert.rejects(sql("SELECT nope FROM range(3)"), /sql: .*nope/);
});
