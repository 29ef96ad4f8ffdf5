// The storage interface behind a Registry: metadata only (files are the Registry's job). Async so a
// PostgreSQL store can implement it; the SQLite store answers synchronously inside promises.
import type {
  ArtifactInfo, EndStatus, Experiment, ListRunsQuery, MetricEntry, MetricPoint, RegisteredModel, Run, RunEnvironment, RunStatus,
} from "./types.js";

/** A run as the Registry hands it to the store when starting it. */
export interface NewRun {
  id: string;
  experiment: string;
  name: string | null;
  startTime: number;
  params: Record<string, string>;
  tags: Record<string, string>;
  dataFingerprint: string | null;
  environment: RunEnvironment;
}

/** An artifact row: the file's place is derived from run id and name by the Registry. */
export type StoredArtifact = Omit<ArtifactInfo, "path">;

/** A version row: the directory's place is derived from model name and version by the Registry. */
export interface StoredVersion {
  model: string;
  version: number;
  runId: string | null;
  notes: string;
  createdAt: number;
  aliases: string[];
}

/**
 * Where registry metadata lives. Every method is one transaction; not-found cases throw the errors from
 * `notFound` (errors.ts), conflicts throw RegistryConflictError.
 */
export interface RegistryStore {
  /** Creates an experiment; a conflict if the name is taken. */
  createExperiment(name: string, createdAt: number): Promise<Experiment>;
  /** The experiment, or null. */
  getExperiment(name: string): Promise<Experiment | null>;
  listExperiments(): Promise<Experiment[]>;
  /** Inserts a running run, creating its experiment when missing. */
  insertRun(run: NewRun): Promise<void>;
  getRun(id: string): Promise<Run>;
  /** Ends a running run; a conflict if it already ended. */
  endRun(id: string, status: EndStatus, endTime: number): Promise<void>;
  /** Adds params to a running run; a conflict if a key already holds a different value. */
  putParams(runId: string, params: Record<string, string>): Promise<void>;
  /** Sets (overwrites) tags of a run. */
  putTags(runId: string, tags: Record<string, string>): Promise<void>;
  /** Appends metric values to a running run, all or none. */
  addMetrics(runId: string, entries: Required<MetricEntry>[]): Promise<void>;
  metricHistory(runId: string, key: string): Promise<MetricPoint[]>;
  listRuns(query: ListRunsQuery): Promise<Run[]>;
  /** Records (or replaces) an artifact already written to disk. */
  putArtifact(runId: string, artifact: StoredArtifact): Promise<void>;
  listArtifacts(runId: string): Promise<StoredArtifact[]>;
  /**
   * Allocates the model's next version number (creating the model when missing) and records it.
   * `place(version)` runs inside the transaction, before the commit, to move the files into place; if
   * it throws, nothing is recorded. Two writers never get the same number.
   */
  createVersion(model: string, fields: { runId: string | null; notes: string; createdAt: number }, place: (version: number) => void): Promise<StoredVersion>;
  listModels(): Promise<RegisteredModel[]>;
  getModel(name: string): Promise<RegisteredModel>;
  listVersions(model: string): Promise<StoredVersion[]>;
  getVersion(model: string, version: number): Promise<StoredVersion>;
  /** The version an alias points to. */
  resolveAlias(model: string, alias: string): Promise<number>;
  /** Points `alias` at `version` (moving it if it exists), atomically. */
  setAlias(model: string, alias: string, version: number): Promise<void>;
  deleteAlias(model: string, alias: string): Promise<void>;
  /** Deletes a version row; a conflict naming the aliases if any point to it. */
  deleteVersion(model: string, version: number): Promise<void>;
  setVersionNotes(model: string, version: number, notes: string): Promise<void>;
  setModelNotes(model: string, notes: string): Promise<void>;
  /** The database's own consistency check: "ok" when sound. */
  integrityCheck(): Promise<string>;
  close(): Promise<void>;
}

/** Statuses a stored run may have, for validating rows and input. */
export const RUN_STATUSES: readonly RunStatus[] = ["running", "finished", "failed", "killed"];
