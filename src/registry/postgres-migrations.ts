// The PostgreSQL schema as numbered migrations, mirroring sqlite-migrations.ts table for table.
// schema_version records what is applied; migrate() runs under a transaction-scoped advisory lock, so two
// processes opening a fresh schema at the same moment cannot both create it. DDL is transactional in
// PostgreSQL: a failed migration leaves nothing behind. Never edit a released migration: append a new one.
import type { PoolClient } from "pg";
import { RegistryError } from "./errors.js";

const MIGRATIONS: readonly string[] = [
  // 1: experiments, runs and their params/metrics/tags/artifacts; registered models, versions, aliases.
  // Times the registry sets are BIGINT milliseconds; metric steps and timestamps are caller-supplied
  // numbers, stored as DOUBLE PRECISION like SQLite's REAL would hold them. `seq` columns stand in for
  // SQLite's rowid: insertion order, the last tiebreak when sorting. Text is COLLATE "C" so it sorts
  // bytewise, as SQLite's BINARY does, whatever the database's locale.
  `
  CREATE TABLE experiments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE runs (
    id TEXT COLLATE "C" PRIMARY KEY,
    seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    experiment_id BIGINT NOT NULL REFERENCES experiments(id),
    name TEXT COLLATE "C",
    status TEXT COLLATE "C" NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'killed')),
    start_time BIGINT NOT NULL,
    end_time BIGINT,
    data_fingerprint TEXT COLLATE "C",
    environment TEXT COLLATE "C" NOT NULL
  );
  CREATE INDEX runs_by_experiment ON runs(experiment_id, start_time);
  CREATE TABLE params (
    run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id),
    key TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (run_id, key)
  );
  CREATE TABLE tags (
    run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id),
    key TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (run_id, key)
  );
  CREATE TABLE metrics (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id),
    key TEXT COLLATE "C" NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    step DOUBLE PRECISION NOT NULL,
    timestamp DOUBLE PRECISION NOT NULL
  );
  CREATE INDEX metrics_by_key ON metrics(run_id, key, step);
  -- the last value per (run, key), kept up to date on insert so filters and comparisons stay cheap
  CREATE TABLE latest_metrics (
    run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id),
    key TEXT COLLATE "C" NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    step DOUBLE PRECISION NOT NULL,
    timestamp DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (run_id, key)
  );
  CREATE TABLE artifacts (
    run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id),
    name TEXT COLLATE "C" NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (run_id, name)
  );
  CREATE TABLE models (
    name TEXT COLLATE "C" PRIMARY KEY,
    notes TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    -- never decreases, so a deleted version's number is never handed out again; its row lock
    -- serialises writers allocating versions of one model
    next_version INTEGER NOT NULL DEFAULT 1
  );
  CREATE TABLE model_versions (
    model TEXT COLLATE "C" NOT NULL REFERENCES models(name),
    version INTEGER NOT NULL,
    run_id TEXT COLLATE "C" REFERENCES runs(id),
    notes TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (model, version)
  );
  CREATE TABLE aliases (
    model TEXT COLLATE "C" NOT NULL,
    alias TEXT COLLATE "C" NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (model, alias),
    FOREIGN KEY (model, version) REFERENCES model_versions(model, version)
  );
  -- text as a number the way JavaScript's Number() reads decimals, or NULL when it is not a finite one
  -- (a plain cast would fail the whole query on "abc"); used to compare and sort params and tags
  CREATE FUNCTION ingot_number(v TEXT) RETURNS DOUBLE PRECISION LANGUAGE plpgsql IMMUTABLE STRICT AS $fn$
  BEGIN
    IF v !~ '^\\s*[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$' THEN RETURN NULL; END IF;
    RETURN v::DOUBLE PRECISION;
  EXCEPTION WHEN numeric_value_out_of_range THEN
    RETURN NULL;
  END
  $fn$;
  `,
];

/** The schema version this code writes. */
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/** First key of the migration advisory lock (the second is the schema name's hash): "ingt" in ASCII. */
const MIGRATION_LOCK = 0x696e6774;

/**
 * Creates `schema` when missing and brings it up to POSTGRES_SCHEMA_VERSION, in one transaction on
 * `client`; refuses a schema written by newer code. `where` names the database in messages.
 */
export async function migrate(client: PoolClient, schema: string, where: string): Promise<void> {
  await client.query("BEGIN");
  try {
    // taken before CREATE SCHEMA IF NOT EXISTS, which itself races (unique violation) when run twice at once
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [MIGRATION_LOCK, schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    // the migrations name tables unqualified: they land in `schema` whatever the connection's search_path
    await client.query(`SET LOCAL search_path TO "${schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS "${schema}".schema_version (version INTEGER NOT NULL, applied_at BIGINT NOT NULL)`);
    const { rows } = await client.query<{ v: number | null }>(`SELECT MAX(version) AS v FROM "${schema}".schema_version`);
    const current = rows[0].v ?? 0;
    if (current > MIGRATIONS.length) {
      throw new RegistryError(`${where}: registry schema version ${current} is newer than this ingot supports (${MIGRATIONS.length}); upgrade ingot`);
    }
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      await client.query(MIGRATIONS[v - 1]);
      await client.query(`INSERT INTO "${schema}".schema_version (version, applied_at) VALUES ($1, $2)`, [v, Date.now()]);
    }
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
}
