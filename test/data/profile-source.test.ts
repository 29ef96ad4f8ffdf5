// profileSource computes the profile in DuckDB without loading the file; it must agree with
// profileTable over the same rows: counts, top values, histograms and warnings exactly, statistics
// to rounding. Checked on catalog files and on a CSV built to hit every branch.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { datasetPath } from "../../src/data/catalog.js";
import { readTable } from "../../src/data/ingest/index.js";
import { profileSource } from "../../src/data/profile-source.js";
import { profileTable, type ProfileOptions, type TableProfile } from "../../src/data/profile.js";

function close(actual: number, expected: number, what: string, tol = 1e-9): void {
  if (Number.isNaN(expected)) return assert.ok(Number.isNaN(actual), `${what}: ${actual}, expected NaN`);
  assert.ok(Math.abs(actual - expected) <= tol * (1 + Math.abs(expected)), `${what}: ${actual}, expected ${expected}`);
}

function assertSameProfile(actual: TableProfile, expected: TableProfile, file: string): void {
  assert.equal(actual.numRows, expected.numRows, `${file}: rows`);
  assert.deepEqual(actual.columns.map((c) => [c.name, c.type]), expected.columns.map((c) => [c.name, c.type]), `${file}: columns`);
  expected.columns.forEach((e, j) => {
    const a = actual.columns[j];
    const at = `${file} ${e.name}`;
    assert.deepEqual([a.count, a.missing, a.distinct], [e.count, e.missing, e.distinct], `${at}: count, missing, distinct`);
    close(a.missingPct, e.missingPct, `${at} missing %`);
    assert.deepEqual(a.top, e.top, `${at}: top values`);
    assert.equal(a.summary === null, e.summary === null, `${at}: summary`);
    if (a.summary && e.summary) for (const k of Object.keys(e.summary) as (keyof typeof e.summary)[]) close(a.summary[k], e.summary[k], `${at} ${k}`);
    assert.deepEqual(a.histogram?.counts, e.histogram?.counts, `${at}: histogram counts`);
    e.histogram?.edges.forEach((x, i) => close(a.histogram?.edges[i] ?? NaN, x, `${at} edge ${i}`, 1e-12));
  });
  assert.deepEqual(actual.correlations.map((c) => [c.a, c.b]), expected.correlations.map((c) => [c.a, c.b]), `${file}: correlated pairs`);
  expected.correlations.forEach((c, i) => close(actual.correlations[i].r, c.r, `${file} r(${c.a}, ${c.b})`));
  assert.deepEqual(actual.target, expected.target, `${file}: target balance`);
  assert.deepEqual(actual.warnings, expected.warnings, `${file}: warnings`);
}

async function compare(file: string, opts: ProfileOptions): Promise<TableProfile> {
  const fromSql = await profileSource(file, opts);
  assertSameProfile(fromSql, profileTable(await readTable(file), opts), file);
  return fromSql;
}

test("profileSource agrees with profileTable on the catalog's penguins, seattle-weather and sp500 files", async () => {
  const penguins = await compare(datasetPath("penguins"), { target: "Species" });
  assert.ok(penguins.columns.some((c) => c.missing > 0), "penguins has missing values");
  const weather = await compare(datasetPath("seattle-weather"), { target: "weather", bins: 7, topK: 3 });
  assert.equal(weather.columns[0].type, "date");
  await compare(datasetPath("sp500"), {});
});

test("profileSource agrees on a CSV with NaN, ties, a constant, a leaking and a unique column", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ingot-profile-source-"));
  const file = join(dir, "branches.csv");
  const lines = ["id,x,y,same,leak,flag,label,note"];
  for (let i = 0; i < 60; i++) {
    const label = i % 3 === 0 ? "spam" : "ham";
    const x = i % 7 === 0 ? "NaN" : i % 11 === 0 ? "" : String((i * 37) % 19);
    // leak maps each of its values to one label; y follows x, so they correlate
    lines.push([i, x, x === "" || x === "NaN" ? "" : String(2 * Number(x) + (i % 2) * 0.01), 4, label === "spam" ? i % 2 : 2 + (i % 2), i % 4 === 0, label, i % 5 === 0 ? "" : `w${i % 4}`].join(","));
  }
  writeFileSync(file, lines.join("\n") + "\n");
  const p = await compare(file, { target: "label", topK: 3, bins: 6 });
  const kinds = p.warnings.map((w) => `${w.kind}:${w.columns.join("+")}`);
  assert.ok(kinds.includes("constant:same"), kinds.join(", "));
  assert.ok(kinds.includes("leakage:leak+label"), kinds.join(", "));
  assert.ok(kinds.includes("highCorrelation:x+y"), kinds.join(", "));
  assert.ok(!kinds.some((k) => k.startsWith("leakage:id")), "a unique id is not leakage");
});

test("profileSource names a missing target and a missing file", async () => {
  await assert.rejects(profileSource(datasetPath("sp500"), { target: "nope" }), /target "nope" is not a column \(columns: date, price\)/);
  await assert.rejects(profileSource(join(tmpdir(), "no-such-file.csv")), /no-such-file\.csv/);
});
