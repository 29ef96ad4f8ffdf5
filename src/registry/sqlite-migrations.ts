// The SQLite schema as numbered migrations. schema_version records what is applied; opening a database
// applies the missing ones in one IMMEDIATE transaction, so two processes opening at once cannot both
// migrate. Never edit a released migration: append a new one.
import type Database from "better-sqlite3";
import { RegistryError } from "./errors.js";

const MIGRATIONS: readonly string[] = [
  // 1: experiments, runs and their params/metrics/tags/artifacts; registered models, versions, aliases
  `
  CREATE TABLE experiments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id),
    name TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'killed')),
    start_time INTEGER NOT NULL,
    end_time INTEGER,
    data_fingerprint TEXT,
    environment TEXT NOT NULL
  );
  CREATE INDEX runs_by_experiment ON runs(experiment_id, start_time);
  CREATE TABLE params (
    run_id TEXT NOT NULL REFERENCES runs(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
  );
  CREATE TABLE tags (
    run_id TEXT NOT NULL REFERENCES runs(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
  );
  CREATE TABLE metrics (
    run_id TEXT NOT NULL REFERENCES runs(id),
    key TEXT NOT NULL,
    value REAL NOT NULL,
    step INTEGER NOT NULL,
    timestamp INTEGER NOT NULL
  );
  CREATE INDEX metrics_by_key ON metrics(run_id, key, step);
  -- the last value per (run, key), kept up to date on insert so filters and comparisons stay cheap
  CREATE TABLE latest_metrics (
    run_id TEXT NOT NULL REFERENCES runs(id),
    key TEXT NOT NULL,
    value REAL NOT NULL,
    step INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    PRIMARY KEY (run_id, key)
  );
  CREATE TABLE artifacts (
    run_id TEXT NOT NULL REFERENCES runs(id),
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, name)
  );
  CREATE TABLE models (
    name TEXT PRIMARY KEY,
    notes TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    -- never decreases, so a deleted version's number is never handed out again
    next_version INTEGER NOT NULL DEFAULT 1
  );
  CREATE TABLE model_versions (
    model TEXT NOT NULL REFERENCES models(name),
    version INTEGER NOT NULL,
    run_id TEXT REFERENCES runs(id),
    notes TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (model, version)
  );
  CREATE TABLE aliases (
    model TEXT NOT NULL,
    alias TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (model, alias),
    FOREIGN KEY (model, version) REFERENCES model_versions(model, version)
  );
  `,
];

/** The schema version this code writes. */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database up to SQLITE_SCHEMA_VERSION; refuses a database written by newer code. */
export function migrate(db: Database.Database, file: string): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at INTEGER NOT NULL)");
  db.transaction(() => {
    const row = db.prepare("SELECT MAX(version) AS v FROM schema_version").get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > MIGRATIONS.length) {
      throw new RegistryError(`${file}: registry schema version ${current} is newer than this ingot supports (${MIGRATIONS.length}); upgrade ingot`);
    }
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v - 1]);
      db.prepare("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)").run(v, Date.now());
    }
  }).immediate();
}
