// Shared test helpers: throwaway registry locations on each backend (SQLite files, PostgreSQL schemas)
// and small saved model directories. Suites loop over `backends` so one test body checks both stores.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { tensor } from "../../src/index.js";
import { saveModelDir } from "../../src/io/index.js";
import type { RegistryTarget } from "./target.js";

export { openAt, type RegistryTarget } from "./target.js";

const work = mkdtempSync(join(tmpdir(), "ingot-registry-"));
let counter = 0;
const schemas: string[] = [];

/** The PostgreSQL server the tests use, from INGOT_TEST_DATABASE_URL (CI sets it). */
export const testDatabaseUrl = process.env.INGOT_TEST_DATABASE_URL || undefined;

/** A fresh empty folder for one test. */
export const freshDir = (): string => mkdtempSync(join(work, `t${counter++}-`));

/** A schema name no other test (or test process) uses; dropped by cleanup. */
export function freshSchema(): string {
  const schema = `ingot_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  schemas.push(schema);
  return schema;
}

/** Runs SQL directly on the test database (outside the registry), e.g. to damage it on purpose. */
export async function sql<R extends pg.QueryResultRow>(text: string, args: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    return (await client.query<R>(text, args)).rows;
  } finally {
    await client.end();
  }
}

/** Removes every folder freshDir made and every schema freshSchema named; call from `after`. */
export async function cleanup(): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  if (schemas.length && testDatabaseUrl) {
    await sql(schemas.map((s) => `DROP SCHEMA IF EXISTS "${s}" CASCADE`).join("; "));
  }
}

/** A metadata store under test. */
export interface Backend {
  name: "sqlite" | "postgres";
  /** Why this backend's tests are skipped here, or false. */
  skip: string | false;
  /** A fresh, empty registry location. */
  fresh(): RegistryTarget;
}

const pgSkip = testDatabaseUrl || process.env.CI ? false : "INGOT_TEST_DATABASE_URL is not set (e.g. postgres://ingot:ingot@127.0.0.1:5432/ingot_test); PostgreSQL store tests skipped";
if (pgSkip) console.log(`# ${pgSkip}`);

/** Skip option for PostgreSQL-only suites: skipped with a reason when no server is configured, never in CI. */
export const postgresSkip: string | false = pgSkip;

/** The server URL, or (in CI without one) a failure saying what is missing. */
export function requireDatabaseUrl(): string {
  if (!testDatabaseUrl) throw new Error("CI is set but INGOT_TEST_DATABASE_URL is not: the PostgreSQL store tests need a server (see .ci/run)");
  return testDatabaseUrl;
}

/** Both stores; every registry suite runs once per entry. */
export const backends: Backend[] = [
  // databaseUrl "" keeps SQLite even when the environment sets INGOT_DATABASE_URL
  { name: "sqlite", skip: false, fresh: () => ({ root: freshDir(), databaseUrl: "" }) },
  { name: "postgres", skip: pgSkip, fresh: () => ({ root: freshDir(), databaseUrl: requireDatabaseUrl(), databaseSchema: freshSchema() }) },
];

/** Saves a tiny model directory whose bias holds `marker`, so versions can be told apart after loading. */
export async function saveTinyModel(dir: string, marker: number): Promise<string> {
  await saveModelDir(dir, {
    architecture: { type: "Linear", inFeatures: 2, outFeatures: 1 },
    stateDict: { weight: tensor([[1, 2]]), bias: tensor([marker]) },
    metadata: { marker },
  });
  return dir;
}
