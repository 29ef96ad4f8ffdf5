// RegistryStore on a PostgreSQL server (pg Pool), so several machines can share one registry. Same
// semantics as SqliteStore: every method is one transaction. Writes run READ COMMITTED and first lock the
// row they hinge on (the run, or the model) so concurrent writers queue instead of interleaving; reads
// run REPEATABLE READ so a run and its params/metrics come from one snapshot. A client killed mid-write
// drops its connection and the server rolls the transaction back.
import { createRequire } from "node:module";
import type { Pool, PoolClient, QueryResultRow } from "pg";
import { notFound, RegistryConflictError, RegistryError } from "./errors.js";
import { migrate, POSTGRES_SCHEMA_VERSION } from "./postgres-migrations.js";
import { describeTarget, fromDriverError, postgresTarget, type PostgresTarget } from "./postgres-errors.js";
import type { NewRun, RegistryStore, StoredArtifact, StoredVersion } from "./store.js";
import { RUN_COLUMNS, textNumber, type RunRow, type VersionRow } from "./store-rows.js";
import type {
  EndStatus, Experiment, ListRunsQuery, MetricEntry, MetricPoint, RegisteredModel, Run, RunCondition, RunEnvironment, RunField,
} from "./types.js";

// the driver loads when a PostgreSQL registry is opened, not when `ingot` is imported
const loadPg = (): typeof import("pg") => createRequire(import.meta.url)("pg") as typeof import("pg");

/** Options of PostgresStore. */
export interface PostgresStoreOptions {
  /** A postgres:// or postgresql:// URL, e.g. postgres://user:password@host:5432/database. */
  connectionString: string;
  /** The schema holding the registry's tables, created when missing; default "public". */
  schema?: string;
  /** Most connections the pool opens; default 10. */
  maxConnections?: number;
  /** How long to wait for a connection before failing; default 10 000 ms. */
  connectTimeoutMs?: number;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** One transaction's connection: typed queries whose driver errors become RegistryErrors. */
class Tx {
  constructor(private readonly client: PoolClient, private readonly target: PostgresTarget) {}

  async all<R extends QueryResultRow>(sql: string, args: unknown[] = []): Promise<R[]> {
    try {
      return (await this.client.query<R>(sql, args)).rows;
    } catch (e) {
      throw fromDriverError(e, this.target);
    }
  }

  async one<R extends QueryResultRow>(sql: string, args: unknown[] = []): Promise<R | undefined> {
    return (await this.all<R>(sql, args))[0];
  }

  /** Runs a statement; returns how many rows it touched. */
  async run(sql: string, args: unknown[] = []): Promise<number> {
    try {
      return (await this.client.query(sql, args)).rowCount ?? 0;
    } catch (e) {
      throw fromDriverError(e, this.target);
    }
  }
}

/** Builds a parameter list while SQL text is assembled: `bind(v)` returns its placeholder. */
class Params {
  readonly values: unknown[] = [];
  bind(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** SQL for a run field; `numeric` reads text fields (params, tags) as numbers, NULL where not one. */
function fieldSql(on: RunField, numeric: boolean, p: Params): string {
  const cast = (sql: string) => (numeric ? `ingot_number(${sql})` : sql);
  if ("metric" in on) return `(SELECT value FROM latest_metrics lm WHERE lm.run_id = r.id AND lm.key = ${p.bind(on.metric)})`;
  if ("param" in on) return cast(`(SELECT value FROM params p WHERE p.run_id = r.id AND p.key = ${p.bind(on.param)})`);
  if ("tag" in on) return cast(`(SELECT value FROM tags t WHERE t.run_id = r.id AND t.key = ${p.bind(on.tag)})`);
  return { name: "r.name", status: "r.status", startTime: "r.start_time", endTime: "r.end_time" }[on.attribute];
}

/** Whether a field holds numbers (metrics, times) rather than text (params, tags, name, status). */
const isNumericField = (on: RunField): boolean => "metric" in on || ("attribute" in on && (on.attribute === "startTime" || on.attribute === "endTime"));

/**
 * One listRuns condition, compared the way SQLite compares it: numbers numerically, text as text
 * (bytewise), text that is not a number against a number field as greater than every number.
 */
function conditionSql(c: RunCondition, p: Params): string {
  const op = c.op === "!=" ? "<>" : c.op;
  if (isNumericField(c.on)) {
    const field = fieldSql(c.on, false, p);
    const n = typeof c.value === "number" ? c.value : textNumber(c.value);
    if (n !== null) return `${field} ${op} ${p.bind(n)}::DOUBLE PRECISION`;
    // a number is always below text: only <, <= and <> can hold
    return `(${field} IS NOT NULL AND ${["<", "<=", "<>"].includes(op) ? "TRUE" : "FALSE"})`;
  }
  // params and tags compare with a number numerically; name and status compare as text whatever is given
  if (typeof c.value === "number" && !("attribute" in c.on)) return `${fieldSql(c.on, true, p)} ${op} ${p.bind(c.value)}::DOUBLE PRECISION`;
  return `${fieldSql(c.on, false, p)} ${op} ${p.bind(String(c.value))}::TEXT`;
}

/** The PostgreSQL implementation of RegistryStore. Connects lazily: the first call connects and migrates. */
export class PostgresStore implements RegistryStore {
  /** The schema holding the tables. */
  readonly schema: string;
  /** "host:port/database", as messages name it. */
  readonly where: string;
  private readonly target: PostgresTarget;
  private readonly pool: Pool;
  private ready: Promise<void> | null = null;
  private closed = false;

  /** Creates the pool (no connection yet); throws a RegistryError for a malformed URL or schema name. */
  constructor(opts: PostgresStoreOptions) {
    this.target = postgresTarget(opts.connectionString);
    this.where = describeTarget(this.target);
    this.schema = opts.schema ?? "public";
    if (!SCHEMA_NAME.test(this.schema)) {
      throw new RegistryError(`PostgreSQL schema ${JSON.stringify(this.schema)} is invalid; use letters, digits and "_", starting with a letter or "_", at most 63 characters`);
    }
    const pg = loadPg();
    // BIGINT columns (times, ids, counts) come back as strings by default; every value we store fits a double
    const int8 = pg.types.builtins.INT8;
    const types = {
      getTypeParser: ((oid: number, format?: string) =>
        oid === int8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    };
    this.pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.maxConnections ?? 10,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
      allowExitOnIdle: true,
      types,
    });
    // an idle connection the server closes is dropped by the pool; without a listener it would crash the process
    this.pool.on("error", () => undefined);
  }

  private async connect(): Promise<PoolClient> {
    if (this.closed) throw new RegistryError(`PostgreSQL registry ${this.where}: the registry is closed`);
    try {
      return await this.pool.connect();
    } catch (e) {
      throw fromDriverError(e, this.target);
    }
  }

  /** Connects and migrates once; a failure is reported to every waiting call and retried by the next. */
  private whenReady(): Promise<void> {
    this.ready ??= (async () => {
      const client = await this.connect();
      try {
        await migrate(client, this.schema, `${this.where} schema "${this.schema}"`);
      } catch (e) {
        client.release(true);
        throw fromDriverError(e, this.target);
      }
      client.release();
    })().catch((e: unknown) => {
      this.ready = null;
      throw e;
    });
    return this.ready;
  }

  /** Runs `fn` in one transaction, committing when it resolves and rolling back when it throws. */
  private async transaction<T>(begin: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    await this.whenReady();
    const client = await this.connect();
    const tx = new Tx(client, this.target);
    try {
      // one round trip: tables are found in our schema whatever the URL's options set
      await tx.run(`${begin}; SET LOCAL search_path TO "${this.schema}"`);
      const result = await fn(tx);
      await tx.run("COMMIT");
      client.release();
      return result;
    } catch (e) {
      let broken = false;
      await client.query("ROLLBACK").catch(() => (broken = true));
      client.release(broken);
      throw e;
    }
  }

  private write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.transaction("BEGIN", fn);
  }

  private read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", fn);
  }

  /**
   * Checks what the schema's constraints cannot: "ok", or the problems found joined by "; ". Checked: the
   * schema version is this code's; no row points at a missing parent (params, tags, metrics, latest
   * metrics and artifacts at runs; runs at experiments; versions at models and runs; aliases at versions);
   * every version number is in 1..next_version-1 (so numbers are never handed out twice); running runs,
   * and only they, have no end time; latest_metrics holds exactly one row per logged (run, key), equal to
   * its highest-step (then latest) point. Page-level corruption is the server's job (checksums, amcheck).
   */
  integrityCheck(): Promise<string> {
    return this.read(async (tx) => {
      const problems: string[] = [];
      const count = async (sql: string) => (await tx.one<{ n: number }>(`SELECT COUNT(*) AS n FROM ${sql}`))!.n;
      const { v } = (await tx.one<{ v: number | null }>("SELECT MAX(version) AS v FROM schema_version"))!;
      if (v !== POSTGRES_SCHEMA_VERSION) problems.push(`schema version is ${v}, expected ${POSTGRES_SCHEMA_VERSION}`);
      const orphans: [string, string, string][] = [
        ["params", "runs", "params x WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = x.run_id)"],
        ["tags", "runs", "tags x WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = x.run_id)"],
        ["metrics", "runs", "metrics x WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = x.run_id)"],
        ["latest_metrics", "runs", "latest_metrics x WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = x.run_id)"],
        ["artifacts", "runs", "artifacts x WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = x.run_id)"],
        ["runs", "experiments", "runs x WHERE NOT EXISTS (SELECT 1 FROM experiments e WHERE e.id = x.experiment_id)"],
        ["model_versions", "models", "model_versions x WHERE NOT EXISTS (SELECT 1 FROM models m WHERE m.name = x.model)"],
        ["model_versions", "runs", "model_versions x WHERE x.run_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = x.run_id)"],
        ["aliases", "model_versions", "aliases x WHERE NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.model = x.model AND v.version = x.version)"],
      ];
      for (const [table, parent, sql] of orphans) {
        const n = await count(sql);
        if (n) problems.push(`${n} ${table} row(s) point at missing ${parent}`);
      }
      const badNumbers = await count("model_versions v JOIN models m ON m.name = v.model WHERE v.version < 1 OR v.version >= m.next_version");
      if (badNumbers) problems.push(`${badNumbers} model version(s) numbered outside 1..next_version-1`);
      const badEnds = await count("runs WHERE (status = 'running') <> (end_time IS NULL)");
      if (badEnds) problems.push(`${badEnds} run(s) whose end time disagrees with their status`);
      const missingLatest = await count(
        "(SELECT DISTINCT run_id, key FROM metrics) m WHERE NOT EXISTS (SELECT 1 FROM latest_metrics lm WHERE lm.run_id = m.run_id AND lm.key = m.key)");
      if (missingLatest) problems.push(`${missingLatest} logged metric(s) without a latest value`);
      const staleLatest = await count(`latest_metrics lm WHERE
        NOT EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = lm.run_id AND m.key = lm.key AND m.step = lm.step AND m.timestamp = lm.timestamp AND m.value = lm.value)
        OR EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = lm.run_id AND m.key = lm.key AND (m.step > lm.step OR (m.step = lm.step AND m.timestamp > lm.timestamp)))`);
      if (staleLatest) problems.push(`${staleLatest} latest metric value(s) that are not the last logged point`);
      return problems.length ? problems.join("; ") : "ok";
    });
  }

  createExperiment(name: string, createdAt: number): Promise<Experiment> {
    return this.write(async (tx) => {
      // ON CONFLICT rather than check-then-insert: two writers racing for one name get one row and one conflict
      const row = await tx.one<{ id: number }>("INSERT INTO experiments (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id", [name, createdAt]);
      if (!row) throw new RegistryConflictError(`experiment "${name}" already exists`);
      return { id: row.id, name, createdAt };
    });
  }

  getExperiment(name: string): Promise<Experiment | null> {
    return this.read(async (tx) => (await tx.one<Experiment>(`SELECT id, name, created_at AS "createdAt" FROM experiments WHERE name = $1`, [name])) ?? null);
  }

  listExperiments(): Promise<Experiment[]> {
    return this.read((tx) => tx.all<Experiment>(`SELECT id, name, created_at AS "createdAt" FROM experiments ORDER BY id`));
  }

  insertRun(run: NewRun): Promise<void> {
    return this.write(async (tx) => {
      await tx.run("INSERT INTO experiments (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [run.experiment, run.startTime]);
      const exp = (await tx.one<{ id: number }>("SELECT id FROM experiments WHERE name = $1", [run.experiment]))!;
      await tx.run(
        "INSERT INTO runs (id, experiment_id, name, status, start_time, data_fingerprint, environment) VALUES ($1, $2, $3, 'running', $4, $5, $6)",
        [run.id, exp.id, run.name, run.startTime, run.dataFingerprint, JSON.stringify(run.environment)],
      );
      await this.insertParams(tx, run.id, run.params);
      await this.upsertTags(tx, run.id, run.tags);
    });
  }

  /** The run's row; `lock` holds it until the transaction ends, so writers to one run queue. */
  private async runRow(tx: Tx, id: string, lock = false): Promise<RunRow> {
    const row = await tx.one<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = $1${lock ? " FOR NO KEY UPDATE OF r" : ""}`, [id]);
    if (!row) throw notFound.run(id);
    return row;
  }

  private async requireRunning(tx: Tx, id: string, what: string): Promise<void> {
    const { status } = await this.runRow(tx, id, true);
    if (status !== "running") throw new RegistryConflictError(`run "${id}" is ${status}; cannot ${what}`);
  }

  /** Rows to Runs, with params, tags and latest metrics fetched for all of them in three queries. */
  private async toRuns(tx: Tx, rows: RunRow[]): Promise<Run[]> {
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id);
    const byRun = async <V>(table: string) => {
      const map = new Map<string, [string, V][]>();
      for (const p of await tx.all<{ run_id: string; key: string; value: V }>(`SELECT run_id, key, value FROM ${table} WHERE run_id = ANY($1) ORDER BY key`, [ids])) {
        const list = map.get(p.run_id) ?? [];
        list.push([p.key, p.value]);
        map.set(p.run_id, list);
      }
      return (id: string) => Object.fromEntries(map.get(id) ?? []);
    };
    const params = await byRun<string>("params");
    const tags = await byRun<string>("tags");
    const metrics = await byRun<number>("latest_metrics");
    return rows.map((row) => ({
      id: row.id,
      experiment: row.experiment,
      name: row.name,
      status: row.status,
      startTime: row.start_time,
      endTime: row.end_time,
      params: params(row.id),
      tags: tags(row.id),
      metrics: metrics(row.id),
      dataFingerprint: row.data_fingerprint,
      environment: JSON.parse(row.environment) as RunEnvironment,
    }));
  }

  getRun(id: string): Promise<Run> {
    return this.read(async (tx) => (await this.toRuns(tx, [await this.runRow(tx, id)]))[0]);
  }

  endRun(id: string, status: EndStatus, endTime: number): Promise<void> {
    return this.write(async (tx) => {
      await this.requireRunning(tx, id, `end it as ${status}`);
      await tx.run("UPDATE runs SET status = $1, end_time = $2 WHERE id = $3", [status, endTime, id]);
    });
  }

  private async insertParams(tx: Tx, runId: string, params: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(params)) {
      const old = await tx.one<{ value: string }>("SELECT value FROM params WHERE run_id = $1 AND key = $2", [runId, key]);
      if (old === undefined) await tx.run("INSERT INTO params (run_id, key, value) VALUES ($1, $2, $3)", [runId, key, value]);
      else if (old.value !== value) throw new RegistryConflictError(`run "${runId}": param "${key}" is already "${old.value}"; params cannot change (got "${value}")`);
    }
  }

  private async upsertTags(tx: Tx, runId: string, tags: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(tags)) {
      await tx.run("INSERT INTO tags (run_id, key, value) VALUES ($1, $2, $3) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value", [runId, key, value]);
    }
  }

  putParams(runId: string, params: Record<string, string>): Promise<void> {
    return this.write(async (tx) => {
      await this.requireRunning(tx, runId, "log params");
      await this.insertParams(tx, runId, params);
    });
  }

  putTags(runId: string, tags: Record<string, string>): Promise<void> {
    return this.write(async (tx) => {
      await this.runRow(tx, runId, true);
      await this.upsertTags(tx, runId, tags);
    });
  }

  addMetrics(runId: string, entries: Required<MetricEntry>[]): Promise<void> {
    return this.write(async (tx) => {
      await this.requireRunning(tx, runId, "log metrics");
      for (const m of entries) {
        const args = [runId, m.key, m.value, m.step, m.timestamp];
        await tx.run("INSERT INTO metrics (run_id, key, value, step, timestamp) VALUES ($1, $2, $3, $4, $5)", args);
        // keep the point with the highest step (then timestamp) as the latest; ties go to the newer insert
        await tx.run(`
          INSERT INTO latest_metrics (run_id, key, value, step, timestamp) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, step = excluded.step, timestamp = excluded.timestamp
          WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step AND excluded.timestamp >= latest_metrics.timestamp)`, args);
      }
    });
  }

  metricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    return this.read(async (tx) => {
      await this.runRow(tx, runId);
      return tx.all<MetricPoint>("SELECT value, step, timestamp FROM metrics WHERE run_id = $1 AND key = $2 ORDER BY step, timestamp, seq", [runId, key]);
    });
  }

  listRuns(query: ListRunsQuery): Promise<Run[]> {
    return this.read(async (tx) => {
      const p = new Params();
      const where: string[] = [];
      if (query.experiment !== undefined) {
        if (!(await tx.one("SELECT 1 FROM experiments WHERE name = $1", [query.experiment]))) throw notFound.experiment(query.experiment);
        where.push(`e.name = ${p.bind(query.experiment)}`);
      }
      for (const c of query.where ?? []) where.push(conditionSql(c, p));
      const order: string[] = [];
      for (const o of query.orderBy ?? []) {
        const dir = o.descending ? "DESC" : "ASC";
        const f = fieldSql(o.on, false, p);
        if ("param" in o.on || "tag" in o.on) {
          // text fields: numbers (numerically) before other text, so "9" sorts before "10"
          const n = `ingot_number(${f})`;
          order.push(`${f} IS NULL`, `${n} IS NULL`, `${n} ${dir}`, `${f} ${dir}`);
        } else {
          order.push(`${f} IS NULL`, `${f} ${dir}`);
        }
      }
      order.push("r.start_time DESC", "r.seq DESC");
      let sql = `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id`;
      if (where.length) sql += ` WHERE ${where.join(" AND ")}`;
      sql += ` ORDER BY ${order.join(", ")}`;
      if (query.limit !== undefined) sql += ` LIMIT ${p.bind(query.limit)}`;
      return this.toRuns(tx, await tx.all<RunRow>(sql, p.values));
    });
  }

  putArtifact(runId: string, a: StoredArtifact): Promise<void> {
    return this.write(async (tx) => {
      await this.runRow(tx, runId, true);
      await tx.run(`
        INSERT INTO artifacts (run_id, name, size, sha256, created_at) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (run_id, name) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256, created_at = excluded.created_at`,
      [runId, a.name, a.size, a.sha256, a.createdAt]);
    });
  }

  listArtifacts(runId: string): Promise<StoredArtifact[]> {
    return this.read(async (tx) => {
      await this.runRow(tx, runId);
      return tx.all<StoredArtifact>(`SELECT name, size, sha256, created_at AS "createdAt" FROM artifacts WHERE run_id = $1 ORDER BY name`, [runId]);
    });
  }

  private async aliasesOf(tx: Tx, model: string, version: number): Promise<string[]> {
    return (await tx.all<{ alias: string }>("SELECT alias FROM aliases WHERE model = $1 AND version = $2 ORDER BY alias", [model, version])).map((a) => a.alias);
  }

  private async toVersion(tx: Tx, row: VersionRow): Promise<StoredVersion> {
    return { model: row.model, version: row.version, runId: row.run_id, notes: row.notes, createdAt: row.created_at, aliases: await this.aliasesOf(tx, row.model, row.version) };
  }

  /** Checks the model exists; `lock` holds its row so changes to one model's versions and aliases queue. */
  private async requireModel(tx: Tx, name: string, lock = false): Promise<void> {
    if (!(await tx.one(`SELECT 1 FROM models WHERE name = $1${lock ? " FOR NO KEY UPDATE" : ""}`, [name]))) throw notFound.model(name);
  }

  private async versionRow(tx: Tx, model: string, version: number, lockModel = false): Promise<VersionRow> {
    await this.requireModel(tx, model, lockModel);
    const row = await tx.one<VersionRow>("SELECT model, version, run_id, notes, created_at FROM model_versions WHERE model = $1 AND version = $2", [model, version]);
    if (!row) throw notFound.version(model, version);
    return row;
  }

  createVersion(model: string, fields: { runId: string | null; notes: string; createdAt: number }, place: (version: number) => void): Promise<StoredVersion> {
    return this.write(async (tx) => {
      if (fields.runId !== null) await this.runRow(tx, fields.runId);
      await tx.run("INSERT INTO models (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [model, fields.createdAt]);
      // the UPDATE locks the model's row: a second writer waits here, then reads the number this one left
      const { version } = (await tx.one<{ version: number }>("UPDATE models SET next_version = next_version + 1 WHERE name = $1 RETURNING next_version - 1 AS version", [model]))!;
      await tx.run("INSERT INTO model_versions (model, version, run_id, notes, created_at) VALUES ($1, $2, $3, $4, $5)",
        [model, version, fields.runId, fields.notes, fields.createdAt]);
      // the files move in last: a crash before the commit leaves at most an unlisted directory
      place(version);
      return { model, version, runId: fields.runId, notes: fields.notes, createdAt: fields.createdAt, aliases: [] };
    });
  }

  private async modelRows(tx: Tx, names: string[]): Promise<RegisteredModel[]> {
    if (!names.length) return [];
    const models = await tx.all<{ name: string; notes: string; created_at: number; latest: number | null; count: number }>(`
      SELECT m.name, m.notes, m.created_at, MAX(v.version) AS latest, COUNT(v.version) AS count
      FROM models m LEFT JOIN model_versions v ON v.model = m.name WHERE m.name = ANY($1) GROUP BY m.name ORDER BY m.name`, [names]);
    const aliases = await tx.all<{ model: string; alias: string; version: number }>("SELECT model, alias, version FROM aliases WHERE model = ANY($1) ORDER BY alias", [names]);
    return models.map((m) => ({
      name: m.name,
      notes: m.notes,
      createdAt: m.created_at,
      latestVersion: m.latest,
      versionCount: m.count,
      aliases: Object.fromEntries(aliases.filter((a) => a.model === m.name).map((a) => [a.alias, a.version])),
    }));
  }

  listModels(): Promise<RegisteredModel[]> {
    return this.read(async (tx) => this.modelRows(tx, (await tx.all<{ name: string }>("SELECT name FROM models")).map((m) => m.name)));
  }

  getModel(name: string): Promise<RegisteredModel> {
    return this.read(async (tx) => {
      const [model] = await this.modelRows(tx, [name]);
      if (!model) throw notFound.model(name);
      return model;
    });
  }

  listVersions(model: string): Promise<StoredVersion[]> {
    return this.read(async (tx) => {
      await this.requireModel(tx, model);
      const rows = await tx.all<VersionRow>("SELECT model, version, run_id, notes, created_at FROM model_versions WHERE model = $1 ORDER BY version", [model]);
      const aliases = await tx.all<{ alias: string; version: number }>("SELECT alias, version FROM aliases WHERE model = $1 ORDER BY alias", [model]);
      return rows.map((r) => ({
        model: r.model, version: r.version, runId: r.run_id, notes: r.notes, createdAt: r.created_at,
        aliases: aliases.filter((a) => a.version === r.version).map((a) => a.alias),
      }));
    });
  }

  getVersion(model: string, version: number): Promise<StoredVersion> {
    return this.read(async (tx) => this.toVersion(tx, await this.versionRow(tx, model, version)));
  }

  resolveAlias(model: string, alias: string): Promise<number> {
    return this.read(async (tx) => {
      await this.requireModel(tx, model);
      const row = await tx.one<{ version: number }>("SELECT version FROM aliases WHERE model = $1 AND alias = $2", [model, alias]);
      if (!row) throw notFound.alias(model, alias);
      return row.version;
    });
  }

  setAlias(model: string, alias: string, version: number): Promise<void> {
    return this.write(async (tx) => {
      await this.versionRow(tx, model, version, true);
      await tx.run("INSERT INTO aliases (model, alias, version) VALUES ($1, $2, $3) ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version",
        [model, alias, version]);
    });
  }

  deleteAlias(model: string, alias: string): Promise<void> {
    return this.write(async (tx) => {
      await this.requireModel(tx, model, true);
      if ((await tx.run("DELETE FROM aliases WHERE model = $1 AND alias = $2", [model, alias])) === 0) throw notFound.alias(model, alias);
    });
  }

  deleteVersion(model: string, version: number): Promise<void> {
    return this.write(async (tx) => {
      await this.versionRow(tx, model, version, true);
      const aliases = await this.aliasesOf(tx, model, version);
      if (aliases.length) {
        const list = aliases.map((a) => `"${a}"`).join(", ");
        throw new RegistryConflictError(`cannot delete model "${model}" version ${version}: alias ${list} points to it; move or delete the alias first`);
      }
      await tx.run("DELETE FROM model_versions WHERE model = $1 AND version = $2", [model, version]);
    });
  }

  setVersionNotes(model: string, version: number, notes: string): Promise<void> {
    return this.write(async (tx) => {
      await this.versionRow(tx, model, version, true);
      await tx.run("UPDATE model_versions SET notes = $1 WHERE model = $2 AND version = $3", [notes, model, version]);
    });
  }

  setModelNotes(model: string, notes: string): Promise<void> {
    return this.write(async (tx) => {
      await this.requireModel(tx, model, true);
      await tx.run("UPDATE models SET notes = $1 WHERE name = $2", [notes, model]);
    });
  }

  /** Waits for a migration in flight, then closes every pooled connection. Later calls fail with "closed". */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ready?.catch(() => undefined);
    await this.pool.end();
  }
}
