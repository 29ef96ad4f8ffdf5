// What only the PostgreSQL store has: schemas and migrations on a shared server, connection failures,
// choosing it through openRegistry, and its integrity check. The shared registry suites cover the rest.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, describe, mock, test } from "node:test";
import { openRegistry, POSTGRES_SCHEMA_VERSION, PostgresStore, RegistryError, type RunCondition, type RunField } from "../../src/registry/index.js";
import { cleanup, freshDir, freshSchema, postgresSkip, requireDatabaseUrl, saveTinyModel, sql } from "./helpers.js";

after(cleanup);

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  const { port } = server.address() as { port: number };
  await new Promise((res) => server.close(res));
  return port;
}

/** The test URL with some parts replaced (password, port, database). */
function urlWith(change: { password?: string; port?: number; database?: string }): string {
  const url = new URL(requireDatabaseUrl());
  if (change.password !== undefined) url.password = change.password;
  if (change.port !== undefined) url.port = String(change.port);
  if (change.database !== undefined) url.pathname = `/${change.database}`;
  return url.toString();
}

describe("PostgreSQL store", { skip: postgresSkip }, () => {
  test("migrations apply once per schema: four stores opening a fresh schema at once, then a reopen", async () => {
    const url = requireDatabaseUrl();
    const schema = freshSchema();
    const stores = Array.from({ length: 4 }, () => new PostgresStore({ connectionString: url, schema }));
    // separate pools, so the four migrations really race for the advisory lock
    const names = await Promise.all(stores.map((s, i) => s.createExperiment(`e${i}`, i)));
    assert.deepEqual(names.map((e) => e.name), ["e0", "e1", "e2", "e3"]);
    for (const s of stores) await s.close();
    const again = new PostgresStore({ connectionString: url, schema });
    assert.deepEqual((await again.listExperiments()).map((e) => e.name).sort(), ["e0", "e1", "e2", "e3"], "reopening keeps the data");
    assert.equal(await again.integrityCheck(), "ok");
    await again.close();
    const applied = await sql<{ version: number }>(`SELECT version FROM "${schema}".schema_version ORDER BY version`);
    assert.deepEqual(applied.map((r) => r.version), Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1));
    const tables = await sql<{ n: string }>("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = $1", [schema]);
    assert.equal(Number(tables[0].n), 11, "every table lives in the test's schema");
  });

  test("refuses a schema written by a newer ingot, naming server and schema", async () => {
    const url = requireDatabaseUrl();
    const schema = freshSchema();
    const first = new PostgresStore({ connectionString: url, schema });
    await first.listModels();
    await first.close();
    await sql(`INSERT INTO "${schema}".schema_version (version, applied_at) VALUES ($1, 0)`, [POSTGRES_SCHEMA_VERSION + 1]);
    const store = new PostgresStore({ connectionString: url, schema });
    const { host, port, pathname } = new URL(url);
    const expected = `${host.split(":")[0]}:${port || 5432}${pathname} schema "${schema}": registry schema version ${POSTGRES_SCHEMA_VERSION + 1} is newer than this ingot supports (${POSTGRES_SCHEMA_VERSION}); upgrade ingot`;
    await assert.rejects(store.listModels(), (e: Error) => e instanceof RegistryError && e.message === expected);
    await assert.rejects(store.getModel("m"), /is newer than this ingot supports/, "every call reports it, not just the first");
    await store.close();
  });

  test("connection failures are one-line RegistryErrors naming host and database, never the password", async () => {
    const port = await closedPort();
    const cases: [string, RegExp][] = [
      [urlWith({ port, password: "s3cret-pw" }), new RegExp(`^cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port} \\(database "[^"]+"\\): connection refused; is the server running and listening on that port\\?$`)],
      [urlWith({ password: "s3cret-pw" }), /^cannot connect to PostgreSQL at 127\.0\.0\.1:\d+ \(database "[^"]+"\): authentication failed for user "[^"]+" \(password authentication failed for user "[^"]+"\)$/],
      [urlWith({ database: "ingot_no_such_db" }), /^PostgreSQL at 127\.0\.0\.1:\d+ has no database "ingot_no_such_db"; create it \(createdb ingot_no_such_db\) or fix the connection URL$/],
    ];
    for (const [url, message] of cases) {
      const reg = openRegistry({ root: freshDir(), databaseUrl: url, databaseSchema: freshSchema() });
      await assert.rejects(reg.listModels(), (e: Error) => {
        assert.ok(e instanceof RegistryError, `${e.name}: ${e.message}`);
        assert.match(e.message, message);
        assert.ok(!e.message.includes("s3cret-pw") && !e.message.includes("\n"));
        return true;
      });
      await reg.close();
    }
  });

  test("openRegistry keeps metadata in PostgreSQL when INGOT_DATABASE_URL is a postgres:// URL; files stay under root", async () => {
    const saved = { url: process.env.INGOT_DATABASE_URL, schema: process.env.INGOT_DATABASE_SCHEMA };
    const schema = freshSchema();
    const root = freshDir();
    process.env.INGOT_DATABASE_URL = requireDatabaseUrl().replace(/^postgres:/, "postgresql:");
    process.env.INGOT_DATABASE_SCHEMA = schema;
    try {
      const reg = openRegistry({ root });
      assert.ok(reg.store instanceof PostgresStore);
      const src = await saveTinyModel(join(freshDir(), "m"), 4);
      const v = await reg.registerModel("m", { modelDir: src });
      await reg.close();
      assert.equal(v.path, join(root, "models", "m", "1"));
      assert.ok(existsSync(join(v.path, "config.json")), "the version's files are under root");
      assert.equal(existsSync(join(root, "registry.db")), false, "no SQLite file is made");
      const rows = await sql<{ model: string; version: number }>(`SELECT model, version FROM "${schema}".model_versions`);
      assert.deepEqual(rows, [{ model: "m", version: 1 }]);
      process.env.INGOT_DATABASE_URL = "mysql://u:p@host/db";
      assert.throws(() => openRegistry({ root }), (e: Error) =>
        e instanceof RegistryError && e.message === 'openRegistry: INGOT_DATABASE_URL must be a postgres:// or postgresql:// URL (or empty for SQLite), got "mysql:..."');
    } finally {
      for (const [key, value] of [["INGOT_DATABASE_URL", saved.url], ["INGOT_DATABASE_SCHEMA", saved.schema]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  test("integrityCheck reports damage that the table constraints cannot catch", async () => {
    const schema = freshSchema();
    const reg = openRegistry({ root: freshDir(), databaseUrl: requireDatabaseUrl(), databaseSchema: schema });
    const run = await reg.startRun({ experiment: "e", backend: "js" });
    await reg.logMetrics(run.id, [{ key: "loss", value: 1, step: 0 }, { key: "loss", value: 0.5, step: 1 }]);
    const src = await saveTinyModel(join(freshDir(), "m"), 1);
    await reg.registerModel("m", { modelDir: src });
    await reg.registerModel("m", { modelDir: src });
    assert.equal(await reg.integrityCheck(), "ok");
    await sql(`UPDATE "${schema}".models SET next_version = 2; UPDATE "${schema}".latest_metrics SET value = 9; UPDATE "${schema}".runs SET end_time = 1`);
    assert.equal(await reg.integrityCheck(), [
      "1 model version(s) numbered outside 1..next_version-1",
      "1 run(s) whose end time disagrees with their status",
      "1 latest metric value(s) that are not the last logged point",
    ].join("; "));
    await reg.close();
  });

  test("listRuns filters and sorts exactly as SQLite does, mixed numbers and text included", async () => {
    const regs = [openRegistry({ root: freshDir(), databaseUrl: "" }), openRegistry({ root: freshDir(), databaseUrl: requireDatabaseUrl(), databaseSchema: freshSchema() })];
    // start times come from a fixed clock, so sorting by them is the same in both stores (a and _x tie on purpose)
    const runs = [{ p: "10", m: 0.5, name: "b", t: 1000 }, { p: "abc", m: 2, name: "B", t: 2000 }, { p: " 7 ", m: null, name: "a", t: 3000 }, { p: "1e3", m: -1, name: "_x", t: 3000 }, { p: "", m: 0, name: "Z", t: 4000 }];
    for (const reg of regs) {
      for (const r of runs) {
        const clock = mock.method(Date, "now", () => r.t);
        const run = await reg.startRun({ experiment: "x", name: r.name, params: { p: r.p }, tags: { t: r.p || "-" }, backend: "js" });
        clock.mock.restore();
        if (r.m !== null) await reg.logMetric(run.id, "m", r.m);
      }
    }
    const fields: RunField[] = [{ param: "p" }, { tag: "t" }, { metric: "m" }, { attribute: "name" }, { attribute: "startTime" }];
    const queries: { where?: RunCondition[]; orderBy: { on: RunField; descending?: boolean }[] }[] = [];
    for (const on of fields) {
      for (const descending of [false, true]) queries.push({ orderBy: [{ on, descending }, { on: { attribute: "name" } }] });
      for (const op of ["=", "!=", "<", "<=", ">", ">="] as const) {
        for (const value of [5, "5", "abc", "10", 0.5, "0.5", "b"]) queries.push({ where: [{ on, op, value }], orderBy: [{ on: { attribute: "name" } }] });
      }
    }
    const differ: string[] = [];
    for (const q of queries) {
      const [lite, pg] = await Promise.all(regs.map(async (r) => (await r.listRuns(q)).map((run) => run.name).join(",")));
      if (lite !== pg) differ.push(`${JSON.stringify(q)}: sqlite [${lite}] postgres [${pg}]`);
    }
    assert.deepEqual(differ, []);
    for (const r of regs) await r.close();
  });

  test("bad schema names and closed stores get clear errors", async () => {
    const url = requireDatabaseUrl();
    assert.throws(() => new PostgresStore({ connectionString: url, schema: 'x"; DROP TABLE runs; --' }), /PostgreSQL schema "x\\"; DROP TABLE runs; --" is invalid/);
    assert.throws(() => new PostgresStore({ connectionString: "not a url" }), /PostgreSQL connection string is not a valid URL/);
    const store = new PostgresStore({ connectionString: url, schema: freshSchema() });
    await store.listExperiments();
    await store.close();
    await assert.rejects(store.listExperiments(), /PostgreSQL registry .*: the registry is closed/);
  });
});
