// The model registry and run tracker (MLflow's concepts): experiments -> runs with params, per-step
// metrics, tags and artifacts; registered models with numbered versions, aliases and lineage. Metadata
// goes through a RegistryStore (SQLite by default); files live under the root folder.
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { writeAll, writeFileAtomic } from "../io/atomic.js";
import { loadModelDir } from "../io/model-dir.js";
import { dataFingerprint, runEnvironment } from "./environment.js";
import { notFound, RegistryError, RegistryNotFoundError } from "./errors.js";
import { placeStaged, removeDeadStaging, removeVersionDir, stageCopy } from "./files.js";
import { checkAlias, checkArtifactName, checkModelName, checkText, checkVersion } from "./names.js";
import { PostgresStore } from "./postgres-store.js";
import { SqliteStore } from "./sqlite-store.js";
import type { RegistryStore, StoredVersion } from "./store.js";
import { RUN_STATUSES } from "./store.js";
import type {
  EndStatus, Experiment, ListRunsQuery, MetricEntry, MetricPoint, ModelVersion, ParamValue, RegisteredModel, Run, RunComparison, RunDetails,
} from "./types.js";

/** Options of openRegistry. */
export interface OpenRegistryOptions {
  /** The registry folder (artifacts and model directories, and registry.db for SQLite); default `.ingot`. */
  root?: string;
  /** A metadata store to use instead of the one chosen from databaseUrl / `<root>/registry.db`. */
  store?: RegistryStore;
  /**
   * A postgres:// or postgresql:// URL: keep metadata in that PostgreSQL database instead of SQLite.
   * Default: env INGOT_DATABASE_URL; empty or unset means SQLite at `<root>/registry.db`.
   */
  databaseUrl?: string;
  /** The PostgreSQL schema for the registry's tables; default env INGOT_DATABASE_SCHEMA, else "public". */
  databaseSchema?: string;
}

/** What startRun records. */
export interface StartRunOptions {
  /** The experiment's name; created when missing. */
  experiment: string;
  name?: string;
  params?: Record<string, ParamValue>;
  tags?: Record<string, string>;
  /** The training data (bytes, or a description such as columns + row count) to fingerprint. */
  data?: Uint8Array | string | Record<string, unknown> | unknown[];
  /** The host backend to record; default the current one. */
  backend?: string;
}

/** What registerModel records. */
export interface RegisterModelOptions {
  /** The model directory (saveModelDir's output) to copy in. */
  modelDir: string;
  /** The run that produced the model (lineage). */
  fromRun?: string;
  notes?: string;
}

/** A version number, or an alias pointing to one. */
export type VersionRef = number | { alias: string };

const ID = /^[0-9a-f]{32}$/;

function paramText(op: string, key: string, value: unknown): string {
  if (typeof value === "string") return value;
  if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean") return String(value);
  throw new RegistryError(`${op}: param "${key}" must be a string, finite number or boolean, got ${JSON.stringify(value) ?? typeof value}`);
}

function checkRecord(op: string, what: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new RegistryError(`${op}: ${what} must be an object of key -> value`);
  for (const key of Object.keys(value)) checkText(op, `${what} key`, key);
  return value as Record<string, unknown>;
}

/** A registry opened at a root folder. Create one with openRegistry. */
export class Registry {
  /** @internal use openRegistry */
  constructor(readonly root: string, readonly store: RegistryStore) {}

  /** Where a run's artifact named `name` is stored. */
  artifactPath(runId: string, name: string): string {
    return join(this.root, "artifacts", runId, ...name.split("/"));
  }

  /** Where the registry keeps version `version` of model `model`. */
  versionPath(model: string, version: number): string {
    return join(this.root, "models", model, String(version));
  }

  /** Creates an experiment; an error if the name is taken. */
  async createExperiment(name: string): Promise<Experiment> {
    return this.store.createExperiment(checkText("createExperiment", "name", name), Date.now());
  }

  /** An experiment by name; an error naming it if unknown. */
  async getExperiment(name: string): Promise<Experiment> {
    const e = await this.store.getExperiment(checkText("getExperiment", "name", name));
    if (!e) throw notFound.experiment(name);
    return e;
  }

  /** All experiments, oldest first. */
  async listExperiments(): Promise<Experiment[]> {
    return this.store.listExperiments();
  }

  /** Starts a run (status "running") recording params, tags, the data fingerprint and the environment. */
  async startRun(opts: StartRunOptions): Promise<Run> {
    const op = "startRun";
    if (opts === null || typeof opts !== "object") throw new RegistryError(`${op}: options must be an object with an experiment name`);
    const experiment = checkText(op, "experiment", opts.experiment);
    const params = Object.fromEntries(Object.entries(checkRecord(op, "params", opts.params ?? {})).map(([k, v]) => [k, paramText(op, k, v)]));
    const tags = Object.fromEntries(Object.entries(checkRecord(op, "tags", opts.tags ?? {})).map(([k, v]) => [k, checkText(op, `tag "${k}"`, v)]));
    const id = randomUUID().replaceAll("-", "");
    await this.store.insertRun({
      id,
      experiment,
      name: opts.name ?? null,
      startTime: Date.now(),
      params,
      tags,
      dataFingerprint: opts.data === undefined ? null : dataFingerprint(opts.data),
      environment: runEnvironment(opts.backend),
    });
    return this.store.getRun(id);
  }

  private runId(op: string, runId: unknown): string {
    if (typeof runId !== "string" || !ID.test(runId)) {
      throw new RegistryNotFoundError("run", String(runId), `${op}: unknown run ${JSON.stringify(runId)} (run ids are 32 hex digits)`);
    }
    return runId;
  }

  /** Adds params to a running run; a logged param cannot change value. */
  async logParams(runId: string, params: Record<string, ParamValue>): Promise<void> {
    const op = "logParams";
    const texts = Object.fromEntries(Object.entries(checkRecord(op, "params", params)).map(([k, v]) => [k, paramText(op, k, v)]));
    return this.store.putParams(this.runId(op, runId), texts);
  }

  /** Logs one metric value at `step` (default 0) and `timestamp` (default now). */
  async logMetric(runId: string, key: string, value: number, step = 0, timestamp = Date.now()): Promise<void> {
    return this.logMetrics(runId, [{ key, value, step, timestamp }]);
  }

  /** Logs many metric values in one transaction: all are stored or none. */
  async logMetrics(runId: string, entries: MetricEntry[]): Promise<void> {
    const op = "logMetrics";
    if (!Array.isArray(entries)) throw new RegistryError(`${op}: entries must be an array of {key, value, step?, timestamp?}`);
    const now = Date.now();
    const rows = entries.map((m, i) => {
      const key = checkText(op, `entries[${i}].key`, m?.key);
      if (typeof m.value !== "number" || Number.isNaN(m.value)) throw new RegistryError(`${op}: value of metric "${key}" must be a number, got ${String(m.value)}`);
      const step = m.step ?? 0;
      if (!Number.isInteger(step)) throw new RegistryError(`${op}: step of metric "${key}" must be an integer, got ${step}`);
      const timestamp = m.timestamp ?? now;
      if (!Number.isFinite(timestamp)) throw new RegistryError(`${op}: timestamp of metric "${key}" must be a finite number, got ${timestamp}`);
      return { key, value: m.value, step, timestamp };
    });
    return this.store.addMetrics(this.runId(op, runId), rows);
  }

  /** Sets tags (overwriting existing keys); allowed on ended runs too. */
  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    const op = "setTags";
    const texts = Object.fromEntries(Object.entries(checkRecord(op, "tags", tags)).map(([k, v]) => [k, checkText(op, `tag "${k}"`, v)]));
    return this.store.putTags(this.runId(op, runId), texts);
  }

  /**
   * Stores a file for a run under `<root>/artifacts/<run id>/<name>`, written atomically. `source` is a
   * file path or the bytes themselves.
   */
  async logArtifact(runId: string, source: string | Uint8Array, name: string): Promise<void> {
    const op = "logArtifact";
    const id = this.runId(op, runId);
    checkArtifactName(op, name);
    await this.store.getRun(id);
    let bytes: Uint8Array;
    if (source instanceof Uint8Array) bytes = source;
    else if (typeof source === "string") {
      const st = await stat(source).catch(() => null);
      if (!st?.isFile()) throw new RegistryError(`${op}: ${source} is not a readable file`);
      bytes = await readFile(source);
    } else throw new RegistryError(`${op}: source must be a file path or a Uint8Array`);
    const path = this.artifactPath(id, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, (fh) => writeAll(fh, bytes));
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    await this.store.putArtifact(id, { name, size: bytes.length, sha256, createdAt: Date.now() });
  }

  /** Ends a running run with `status` (default "finished"). */
  async endRun(runId: string, status: EndStatus = "finished"): Promise<void> {
    const op = "endRun";
    if ((status as string) === "running" || !RUN_STATUSES.includes(status)) throw new RegistryError(`${op}: status must be "finished", "failed" or "killed", got ${JSON.stringify(status)}`);
    return this.store.endRun(this.runId(op, runId), status, Date.now());
  }

  /** A run with params, tags, last metric values and artifacts. */
  async getRun(runId: string): Promise<RunDetails> {
    const id = this.runId("getRun", runId);
    const run = await this.store.getRun(id);
    const artifacts = (await this.store.listArtifacts(id)).map((a) => ({ ...a, path: this.artifactPath(id, a.name) }));
    return { ...run, artifacts };
  }

  /** Runs matching `query`, newest first unless ordered otherwise. */
  async listRuns(query: ListRunsQuery = {}): Promise<Run[]> {
    const op = "listRuns";
    if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 0)) throw new RegistryError(`${op}: limit must be a non-negative integer, got ${query.limit}`);
    for (const c of query.where ?? []) {
      if (!["=", "!=", "<", "<=", ">", ">="].includes(c.op)) throw new RegistryError(`${op}: unknown operator ${JSON.stringify(c.op)}`);
    }
    return this.store.listRuns(query);
  }

  /** Runs side by side: each param and last metric value per run, null where a run lacks it. */
  async compareRuns(runIds: string[]): Promise<RunComparison> {
    const runs: Run[] = [];
    for (const id of runIds) runs.push(await this.store.getRun(this.runId("compareRuns", id)));
    const keys = (pick: (r: Run) => Record<string, unknown>) => [...new Set(runs.flatMap((r) => Object.keys(pick(r))))].sort();
    return {
      runs,
      params: Object.fromEntries(keys((r) => r.params).map((k) => [k, runs.map((r) => r.params[k] ?? null)])),
      metrics: Object.fromEntries(keys((r) => r.metrics).map((k) => [k, runs.map((r) => r.metrics[k] ?? null)])),
    };
  }

  /** Every logged value of one metric, by step then time. */
  async metricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    return this.store.metricHistory(this.runId("metricHistory", runId), checkText("metricHistory", "key", key));
  }

  /**
   * Copies a model directory into `<root>/models/<name>/<version>/` under the next version number
   * (creating the model when missing). The copy is checked to load first and moved into place inside
   * the transaction that records the version, so a version is listed only once its files are complete.
   */
  async registerModel(name: string, opts: RegisterModelOptions): Promise<ModelVersion> {
    const op = "registerModel";
    checkModelName(op, name);
    if (opts === null || typeof opts !== "object") throw new RegistryError(`${op}: options must be an object with modelDir`);
    const modelDir = checkText(op, "modelDir", opts.modelDir);
    const runId = opts.fromRun === undefined ? null : this.runId(op, opts.fromRun);
    if (runId !== null) await this.store.getRun(runId);
    const parent = join(this.root, "models", name);
    const staged = await stageCopy(resolve(modelDir), parent).catch((e: Error) => {
      throw new RegistryError(`${op}: cannot copy model directory ${modelDir}: ${e.message}`, { cause: e });
    });
    try {
      const loaded = await loadModelDir(staged).catch((e: Error) => {
        throw new RegistryError(`${op}: ${modelDir} is not a loadable model directory: ${e.message.replace(staged, modelDir)}`, { cause: e });
      });
      for (const t of Object.values(loaded.stateDict)) t.dispose();
      for (const t of Object.values(loaded.optimizer?.tensors ?? {})) t.dispose();
      const v = await this.store.createVersion(name, { runId, notes: opts.notes ?? "", createdAt: Date.now() }, (version) =>
        placeStaged(staged, this.versionPath(name, version), parent));
      return this.withPath(v);
    } catch (e) {
      await removeVersionDir(staged, parent).catch(() => undefined);
      throw e;
    }
  }

  private withPath(v: StoredVersion): ModelVersion {
    return { ...v, path: this.versionPath(v.model, v.version) };
  }

  private async versionNumber(op: string, name: string, ref: VersionRef): Promise<number> {
    if (typeof ref === "number") return checkVersion(op, ref);
    if (ref === null || typeof ref !== "object") throw new RegistryError(`${op}: version must be a number or {alias}, got ${JSON.stringify(ref)}`);
    return this.store.resolveAlias(name, checkAlias(op, ref.alias));
  }

  /** A version by number or alias, with its directory's path. */
  async getVersion(name: string, ref: VersionRef): Promise<ModelVersion> {
    const op = "getVersion";
    checkModelName(op, name);
    return this.withPath(await this.store.getVersion(name, await this.versionNumber(op, name, ref)));
  }

  /** Points `alias` (e.g. "production") at a version, moving it if it pointed elsewhere: one transaction. */
  async setAlias(name: string, alias: string, version: number): Promise<void> {
    const op = "setAlias";
    return this.store.setAlias(checkModelName(op, name), checkAlias(op, alias), checkVersion(op, version));
  }

  /** Removes an alias. */
  async deleteAlias(name: string, alias: string): Promise<void> {
    const op = "deleteAlias";
    return this.store.deleteAlias(checkModelName(op, name), checkAlias(op, alias));
  }

  /** All registered models with their latest version and aliases. */
  async listModels(): Promise<RegisteredModel[]> {
    return this.store.listModels();
  }

  /** One registered model. */
  async getModel(name: string): Promise<RegisteredModel> {
    return this.store.getModel(checkModelName("getModel", name));
  }

  /** A model's versions, oldest first. */
  async listVersions(name: string): Promise<ModelVersion[]> {
    return (await this.store.listVersions(checkModelName("listVersions", name))).map((v) => this.withPath(v));
  }

  /** Deletes a version and its files; refused while an alias points to it. Numbers are never reused. */
  async deleteVersion(name: string, version: number): Promise<void> {
    const op = "deleteVersion";
    await this.store.deleteVersion(checkModelName(op, name), checkVersion(op, version));
    await removeVersionDir(this.versionPath(name, version), join(this.root, "models", name));
  }

  /** Sets a version's notes. */
  async setNotes(name: string, version: number, notes: string): Promise<void> {
    const op = "setNotes";
    if (typeof notes !== "string") throw new RegistryError(`${op}: notes must be a string`);
    return this.store.setVersionNotes(checkModelName(op, name), checkVersion(op, version), notes);
  }

  /** Sets a registered model's notes. */
  async setModelNotes(name: string, notes: string): Promise<void> {
    const op = "setModelNotes";
    if (typeof notes !== "string") throw new RegistryError(`${op}: notes must be a string`);
    return this.store.setModelNotes(checkModelName(op, name), notes);
  }

  /** The store's consistency check ("ok" when sound). */
  async integrityCheck(): Promise<string> {
    return this.store.integrityCheck();
  }

  /** Closes the store. */
  async close(): Promise<void> {
    return this.store.close();
  }
}

/**
 * Opens the registry at `root` (default `.ingot/` in the current directory), creating the folder when
 * missing and removing staging folders left by processes that died mid-registration. Metadata goes to
 * PostgreSQL when `databaseUrl` (or env INGOT_DATABASE_URL) is a postgres:// URL — connected and migrated
 * on first use, so this stays synchronous — and otherwise to `<root>/registry.db` (SQLite, WAL), created
 * and migrated here. Files always live under `root`.
 */
export function openRegistry(opts: OpenRegistryOptions = {}): Registry {
  const root = resolve(opts.root ?? ".ingot");
  const databaseUrl = opts.databaseUrl ?? process.env.INGOT_DATABASE_URL ?? "";
  const postgres = /^postgres(ql)?:\/\//i.test(databaseUrl);
  if (!opts.store && databaseUrl !== "" && !postgres) {
    const from = opts.databaseUrl !== undefined ? "databaseUrl" : "INGOT_DATABASE_URL";
    throw new RegistryError(`openRegistry: ${from} must be a postgres:// or postgresql:// URL (or empty for SQLite), got ${JSON.stringify(databaseUrl.split(":")[0] + ":...")}`);
  }
  mkdirSync(join(root, "artifacts"), { recursive: true });
  mkdirSync(join(root, "models"), { recursive: true });
  removeDeadStaging(join(root, "models"));
  const store = opts.store
    ?? (postgres
      ? new PostgresStore({ connectionString: databaseUrl, schema: opts.databaseSchema ?? (process.env.INGOT_DATABASE_SCHEMA || undefined) })
      : new SqliteStore(join(root, "registry.db")));
  return new Registry(root, store);
}
