// RegistryStore on an embedded SQLite file (better-sqlite3) in WAL mode: readers never block the writer,
// and every write is one IMMEDIATE transaction, so concurrent processes queue on the write lock (up to
// busy_timeout) instead of failing half way. A SIGKILL at any point leaves the last committed state.
import { createRequire } from "node:module";
import type Database from "better-sqlite3";

// the native SQLite binding loads when a registry is opened, not when `ingot` is imported
const loadSqlite = (): typeof Database => createRequire(import.meta.url)("better-sqlite3") as typeof Database;
import { notFound, RegistryConflictError } from "./errors.js";
import { migrate } from "./sqlite-migrations.js";
import type { NewRun, RegistryStore, StoredArtifact, StoredVersion } from "./store.js";
import { RUN_COLUMNS, textNumber, type RunRow, type VersionRow } from "./store-rows.js";
import type {
  EndStatus, Experiment, ListRunsQuery, MetricEntry, MetricPoint, RegisteredModel, Run, RunEnvironment, RunField,
} from "./types.js";

/** How long a writer waits for another process's write lock before giving up. */
const BUSY_TIMEOUT_MS = 15_000;

/** SQL for a run field, with its bound arguments; `numeric` reads text fields as numbers (null if not one). */
function fieldSql(on: RunField, numeric: boolean): { sql: string; args: string[] } {
  const cast = (sql: string) => (numeric ? `ingot_number(${sql})` : sql);
  if ("metric" in on) return { sql: "(SELECT value FROM latest_metrics lm WHERE lm.run_id = r.id AND lm.key = ?)", args: [on.metric] };
  if ("param" in on) return { sql: cast("(SELECT value FROM params p WHERE p.run_id = r.id AND p.key = ?)"), args: [on.param] };
  if ("tag" in on) return { sql: cast("(SELECT value FROM tags t WHERE t.run_id = r.id AND t.key = ?)"), args: [on.tag] };
  const column = { name: "r.name", status: "r.status", startTime: "r.start_time", endTime: "r.end_time" }[on.attribute];
  return { sql: column, args: [] };
}

/** The SQLite implementation of RegistryStore. */
export class SqliteStore implements RegistryStore {
  private readonly db: Database.Database;

  /** Opens (creating when missing) the database at `file` and migrates it. */
  constructor(readonly file: string) {
    const Sqlite = loadSqlite();
    this.db = new Sqlite(file, { timeout: BUSY_TIMEOUT_MS });
    this.db.pragma("journal_mode = WAL");
    // FULL: a commit is on disk when it returns (NORMAL could lose the last commits on power loss)
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    this.db.function("ingot_number", { deterministic: true }, textNumber);
    migrate(this.db, file);
  }

  /** Runs `fn` in an IMMEDIATE transaction: takes the write lock up front so it never fails mid-way on a busy upgrade. */
  private write<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(this.db.transaction(fn).immediate());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private read<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(this.db.transaction(fn).deferred());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Runs `sql` and returns the rows: a typed wrapper over prepare().all(). */
  private all<R>(sql: string, ...args: unknown[]): R[] {
    return this.db.prepare(sql).all(...args) as R[];
  }

  private one<R>(sql: string, ...args: unknown[]): R | undefined {
    return this.db.prepare(sql).get(...args) as R | undefined;
  }

  integrityCheck(): Promise<string> {
    return this.read(() => this.all<{ integrity_check: string }>("PRAGMA integrity_check").map((r) => r.integrity_check).join("; "));
  }

  createExperiment(name: string, createdAt: number): Promise<Experiment> {
    return this.write(() => {
      if (this.one("SELECT 1 FROM experiments WHERE name = ?", name)) throw new RegistryConflictError(`experiment "${name}" already exists`);
      const id = Number(this.db.prepare("INSERT INTO experiments (name, created_at) VALUES (?, ?)").run(name, createdAt).lastInsertRowid);
      return { id, name, createdAt };
    });
  }

  getExperiment(name: string): Promise<Experiment | null> {
    return this.read(() => this.one<Experiment>("SELECT id, name, created_at AS createdAt FROM experiments WHERE name = ?", name) ?? null);
  }

  listExperiments(): Promise<Experiment[]> {
    return this.read(() => this.all<Experiment>("SELECT id, name, created_at AS createdAt FROM experiments ORDER BY id"));
  }

  insertRun(run: NewRun): Promise<void> {
    return this.write(() => {
      this.db.prepare("INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)").run(run.experiment, run.startTime);
      const exp = this.one<{ id: number }>("SELECT id FROM experiments WHERE name = ?", run.experiment)!;
      this.db.prepare(
        "INSERT INTO runs (id, experiment_id, name, status, start_time, data_fingerprint, environment) VALUES (?, ?, ?, 'running', ?, ?, ?)",
      ).run(run.id, exp.id, run.name, run.startTime, run.dataFingerprint, JSON.stringify(run.environment));
      this.insertParams(run.id, run.params);
      this.upsertTags(run.id, run.tags);
    });
  }

  private runRow(id: string): RunRow {
    const row = this.one<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`, id);
    if (!row) throw notFound.run(id);
    return row;
  }

  private requireRunning(id: string, what: string): void {
    const { status } = this.runRow(id);
    if (status !== "running") throw new RegistryConflictError(`run "${id}" is ${status}; cannot ${what}`);
  }

  private toRun(row: RunRow): Run {
    const pairs = (table: string) =>
      Object.fromEntries(this.all<{ key: string; value: string }>(`SELECT key, value FROM ${table} WHERE run_id = ? ORDER BY key`, row.id).map((p) => [p.key, p.value]));
    return {
      id: row.id,
      experiment: row.experiment,
      name: row.name,
      status: row.status,
      startTime: row.start_time,
      endTime: row.end_time,
      params: pairs("params"),
      tags: pairs("tags"),
      metrics: Object.fromEntries(
        this.all<{ key: string; value: number }>("SELECT key, value FROM latest_metrics WHERE run_id = ? ORDER BY key", row.id).map((m) => [m.key, m.value]),
      ),
      dataFingerprint: row.data_fingerprint,
      environment: JSON.parse(row.environment) as RunEnvironment,
    };
  }

  getRun(id: string): Promise<Run> {
    return this.read(() => this.toRun(this.runRow(id)));
  }

  endRun(id: string, status: EndStatus, endTime: number): Promise<void> {
    return this.write(() => {
      this.requireRunning(id, `end it as ${status}`);
      this.db.prepare("UPDATE runs SET status = ?, end_time = ? WHERE id = ?").run(status, endTime, id);
    });
  }

  private insertParams(runId: string, params: Record<string, string>): void {
    const get = this.db.prepare("SELECT value FROM params WHERE run_id = ? AND key = ?");
    const put = this.db.prepare("INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)");
    for (const [key, value] of Object.entries(params)) {
      const old = get.get(runId, key) as { value: string } | undefined;
      if (old === undefined) put.run(runId, key, value);
      else if (old.value !== value) throw new RegistryConflictError(`run "${runId}": param "${key}" is already "${old.value}"; params cannot change (got "${value}")`);
    }
  }

  private upsertTags(runId: string, tags: Record<string, string>): void {
    const put = this.db.prepare("INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value");
    for (const [key, value] of Object.entries(tags)) put.run(runId, key, value);
  }

  putParams(runId: string, params: Record<string, string>): Promise<void> {
    return this.write(() => {
      this.requireRunning(runId, "log params");
      this.insertParams(runId, params);
    });
  }

  putTags(runId: string, tags: Record<string, string>): Promise<void> {
    return this.write(() => {
      this.runRow(runId);
      this.upsertTags(runId, tags);
    });
  }

  addMetrics(runId: string, entries: Required<MetricEntry>[]): Promise<void> {
    return this.write(() => {
      this.requireRunning(runId, "log metrics");
      const insert = this.db.prepare("INSERT INTO metrics (run_id, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)");
      // keep the point with the highest step (then timestamp) as the latest; ties go to the newer insert
      const latest = this.db.prepare(`
        INSERT INTO latest_metrics (run_id, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, step = excluded.step, timestamp = excluded.timestamp
        WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step AND excluded.timestamp >= latest_metrics.timestamp)`);
      for (const m of entries) {
        insert.run(runId, m.key, m.value, m.step, m.timestamp);
        latest.run(runId, m.key, m.value, m.step, m.timestamp);
      }
    });
  }

  metricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    return this.read(() => {
      this.runRow(runId);
      return this.all<MetricPoint>("SELECT value, step, timestamp FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, timestamp, rowid", runId, key);
    });
  }

  listRuns(query: ListRunsQuery): Promise<Run[]> {
    return this.read(() => {
      const where: string[] = [];
      const args: unknown[] = [];
      if (query.experiment !== undefined) {
        if (!this.one("SELECT 1 FROM experiments WHERE name = ?", query.experiment)) throw notFound.experiment(query.experiment);
        where.push("e.name = ?");
        args.push(query.experiment);
      }
      for (const c of query.where ?? []) {
        const f = fieldSql(c.on, typeof c.value === "number");
        where.push(`${f.sql} ${c.op === "!=" ? "<>" : c.op} ?`);
        args.push(...f.args, c.value);
      }
      const order: string[] = [];
      for (const o of query.orderBy ?? []) {
        const dir = o.descending ? "DESC" : "ASC";
        const f = fieldSql(o.on, false);
        if ("param" in o.on || "tag" in o.on) {
          // text fields: numbers (numerically) before other text, so "9" sorts before "10"
          const n = fieldSql(o.on, true);
          order.push(`${f.sql} IS NULL`, `${n.sql} IS NULL`, `${n.sql} ${dir}`, `${f.sql} ${dir}`);
          args.push(...f.args, ...n.args, ...n.args, ...f.args);
        } else {
          order.push(`${f.sql} IS NULL`, `${f.sql} ${dir}`);
          args.push(...f.args, ...f.args);
        }
      }
      order.push("r.start_time DESC", "r.rowid DESC");
      let sql = `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id`;
      if (where.length) sql += ` WHERE ${where.join(" AND ")}`;
      sql += ` ORDER BY ${order.join(", ")}`;
      if (query.limit !== undefined) {
        sql += " LIMIT ?";
        args.push(query.limit);
      }
      return this.all<RunRow>(sql, ...args).map((row) => this.toRun(row));
    });
  }

  putArtifact(runId: string, a: StoredArtifact): Promise<void> {
    return this.write(() => {
      this.runRow(runId);
      this.db.prepare(`
        INSERT INTO artifacts (run_id, name, size, sha256, created_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (run_id, name) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256, created_at = excluded.created_at`,
      ).run(runId, a.name, a.size, a.sha256, a.createdAt);
    });
  }

  listArtifacts(runId: string): Promise<StoredArtifact[]> {
    return this.read(() => {
      this.runRow(runId);
      return this.all<StoredArtifact>("SELECT name, size, sha256, created_at AS createdAt FROM artifacts WHERE run_id = ? ORDER BY name", runId);
    });
  }

  private aliasesOf(model: string, version: number): string[] {
    return this.all<{ alias: string }>("SELECT alias FROM aliases WHERE model = ? AND version = ? ORDER BY alias", model, version).map((a) => a.alias);
  }

  private toVersion(row: VersionRow): StoredVersion {
    return { model: row.model, version: row.version, runId: row.run_id, notes: row.notes, createdAt: row.created_at, aliases: this.aliasesOf(row.model, row.version) };
  }

  private requireModel(name: string): void {
    if (!this.one("SELECT 1 FROM models WHERE name = ?", name)) throw notFound.model(name);
  }

  private versionRow(model: string, version: number): VersionRow {
    this.requireModel(model);
    const row = this.one<VersionRow>("SELECT * FROM model_versions WHERE model = ? AND version = ?", model, version);
    if (!row) throw notFound.version(model, version);
    return row;
  }

  createVersion(model: string, fields: { runId: string | null; notes: string; createdAt: number }, place: (version: number) => void): Promise<StoredVersion> {
    return this.write(() => {
      if (fields.runId !== null) this.runRow(fields.runId);
      this.db.prepare("INSERT OR IGNORE INTO models (name, created_at) VALUES (?, ?)").run(model, fields.createdAt);
      const { next_version: version } = this.one<{ next_version: number }>("SELECT next_version FROM models WHERE name = ?", model)!;
      this.db.prepare("UPDATE models SET next_version = ? WHERE name = ?").run(version + 1, model);
      this.db.prepare("INSERT INTO model_versions (model, version, run_id, notes, created_at) VALUES (?, ?, ?, ?, ?)")
        .run(model, version, fields.runId, fields.notes, fields.createdAt);
      // the files move in last: a crash before the commit leaves at most an unlisted directory
      place(version);
      return { model, version, runId: fields.runId, notes: fields.notes, createdAt: fields.createdAt, aliases: [] };
    });
  }

  private modelRow(name: string): RegisteredModel {
    const m = this.one<{ name: string; notes: string; created_at: number }>("SELECT name, notes, created_at FROM models WHERE name = ?", name);
    if (!m) throw notFound.model(name);
    const stats = this.one<{ latest: number | null; count: number }>("SELECT MAX(version) AS latest, COUNT(*) AS count FROM model_versions WHERE model = ?", name)!;
    const aliases = this.all<{ alias: string; version: number }>("SELECT alias, version FROM aliases WHERE model = ? ORDER BY alias", name);
    return {
      name: m.name,
      notes: m.notes,
      createdAt: m.created_at,
      latestVersion: stats.latest,
      versionCount: stats.count,
      aliases: Object.fromEntries(aliases.map((a) => [a.alias, a.version])),
    };
  }

  listModels(): Promise<RegisteredModel[]> {
    return this.read(() => this.all<{ name: string }>("SELECT name FROM models ORDER BY name").map((m) => this.modelRow(m.name)));
  }

  getModel(name: string): Promise<RegisteredModel> {
    return this.read(() => this.modelRow(name));
  }

  listVersions(model: string): Promise<StoredVersion[]> {
    return this.read(() => {
      this.requireModel(model);
      return this.all<VersionRow>("SELECT * FROM model_versions WHERE model = ? ORDER BY version", model).map((r) => this.toVersion(r));
    });
  }

  getVersion(model: string, version: number): Promise<StoredVersion> {
    return this.read(() => this.toVersion(this.versionRow(model, version)));
  }

  resolveAlias(model: string, alias: string): Promise<number> {
    return this.read(() => {
      this.requireModel(model);
      const row = this.one<{ version: number }>("SELECT version FROM aliases WHERE model = ? AND alias = ?", model, alias);
      if (!row) throw notFound.alias(model, alias);
      return row.version;
    });
  }

  setAlias(model: string, alias: string, version: number): Promise<void> {
    return this.write(() => {
      this.versionRow(model, version);
      this.db.prepare("INSERT INTO aliases (model, alias, version) VALUES (?, ?, ?) ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version")
        .run(model, alias, version);
    });
  }

  deleteAlias(model: string, alias: string): Promise<void> {
    return this.write(() => {
      this.requireModel(model);
      if (this.db.prepare("DELETE FROM aliases WHERE model = ? AND alias = ?").run(model, alias).changes === 0) throw notFound.alias(model, alias);
    });
  }

  deleteVersion(model: string, version: number): Promise<void> {
    return this.write(() => {
      this.versionRow(model, version);
      const aliases = this.aliasesOf(model, version);
      if (aliases.length) {
        const list = aliases.map((a) => `"${a}"`).join(", ");
        throw new RegistryConflictError(`cannot delete model "${model}" version ${version}: alias ${list} points to it; move or delete the alias first`);
      }
      this.db.prepare("DELETE FROM model_versions WHERE model = ? AND version = ?").run(model, version);
    });
  }

  setVersionNotes(model: string, version: number, notes: string): Promise<void> {
    return this.write(() => {
      this.versionRow(model, version);
      this.db.prepare("UPDATE model_versions SET notes = ? WHERE model = ? AND version = ?").run(notes, model, version);
    });
  }

  setModelNotes(model: string, notes: string): Promise<void> {
    return this.write(() => {
      this.requireModel(model);
      this.db.prepare("UPDATE models SET notes = ? WHERE name = ?").run(notes, model);
    });
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
