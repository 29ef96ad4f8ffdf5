import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";

const root = resolve(import.meta.dirname, "../..");

function ingot(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const code = `const { run } = await import(${JSON.stringify(resolve(root, "src/cli/main.ts"))}); process.exitCode = await run(["node", "ingot", ...${JSON.stringify(args)}]);`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: root, encoding: "utf8", env: { ...process.env, INGOT_QUIET: "1" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("ingot data list --json describes the catalog", () => {
  const r = ingot("data", "list", "--json");
  assert.equal(r.status, 0, r.stderr);
  const list = JSON.parse(r.stdout) as { name: string; rows: number }[];
  assert.equal(list.find((d) => d.name === "iris")?.rows, 150);
  assert.ok(list.some((d) => d.name === "flights-3m"));
});

test("ingot data preview shows the first rows of a file, and of flights-3m without loading it whole", () => {
  const dir = mkdtempSync(join(tmpdir(), "ingot-cli-data-"));
  const p = join(dir, "t.csv");
  writeFileSync(p, "a,b\n1,x\n2,y\n3,z\n");
  let r = ingot("data", "preview", p, "--rows", "2");
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.match(lines[0], /^a \(number\)\s+b \(string\)$/);
  assert.deepEqual(lines.slice(2).map((l) => l.split(/\s+/)), [["1", "x"], ["2", "y"]]);
  r = ingot("data", "preview", "flights-3m", "--rows", "2");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split("\n").length, 4);
  assert.match(r.stdout, /origin \(string\)/);
  r = ingot("data", "preview", "no-such-thing");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /"no-such-thing" is neither a catalog dataset .* nor a file/);
  r = ingot("data", "preview", "iris", "--rows", "0");
  assert.match(r.stderr, /--rows must be a positive integer, got "0"/);
});

test("ingot data sql queries files and catalog tables", () => {
  const r = ingot("data", "sql", "SELECT species, count(*) AS n FROM iris GROUP BY species ORDER BY species", "--table", "iris=iris", "--json");
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [{ species: "setosa", n: 50 }, { species: "versicolor", n: 50 }, { species: "virginica", n: 50 }]);
  const bad = ingot("data", "sql", "SELECT * FROM nowhere");
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^ingot: sql: .*nowhere/);
});

test("ingot data profile --json profiles a catalog dataset with its target", () => {
  const r = ingot("data", "profile", "iris", "--json");
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout) as { numRows: number; columns: { name: string }[]; target: { column: string; balance: { count: number }[] } | null };
  assert.equal(p.numRows, 150);
  assert.equal(p.columns.length, 5);
  assert.equal(p.target?.column, "species");
  assert.deepEqual(p.target?.balance.map((b) => b.count), [50, 50, 50]);
});

test("ingot data profile flights-3m profiles all 3M rows in place; --limit profiles the first rows", () => {
  const r = ingot("data", "profile", "flights-3m", "--json");
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout) as { numRows: number; columns: { name: string; count: number; distinct: number }[]; target: { balance: { count: number }[] } };
  assert.equal(p.numRows, 3_000_000);
  assert.deepEqual(p.columns.map((c) => c.name), ["date", "delay", "distance", "origin", "destination"]);
  for (const c of p.columns) assert.equal(c.count, 3_000_000, c.name);
  assert.equal(p.target.balance.reduce((s, b) => s + b.count, 0), 3_000_000);
  const head = ingot("data", "profile", "flights-3m", "--limit", "1000");
  assert.equal(head.status, 0, head.stderr);
  assert.match(head.stdout, /^1000 rows × 5 columns/);
  assert.match(head.stdout, /… \d+ more values/); // the numeric target's balance is cut in the terminal
});
