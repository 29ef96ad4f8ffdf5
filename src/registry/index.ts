// Model registry and run tracking: experiments, runs, registered models, versions and aliases.
export { openRegistry, Registry, type OpenRegistryOptions, type StartRunOptions, type RegisterModelOptions, type VersionRef } from "./registry.js";
export { RegistryError, RegistryNotFoundError, RegistryConflictError, type RegistryThing } from "./errors.js";
export type { RegistryStore, NewRun, StoredArtifact, StoredVersion } from "./store.js";
export { SqliteStore } from "./sqlite-store.js";
export { SQLITE_SCHEMA_VERSION } from "./sqlite-migrations.js";
export { PostgresStore, type PostgresStoreOptions } from "./postgres-store.js";
export { POSTGRES_SCHEMA_VERSION } from "./postgres-migrations.js";
export { dataFingerprint, runEnvironment } from "./environment.js";
export type {
  RunStatus, EndStatus, ParamValue, Experiment, RunEnvironment, ArtifactInfo, Run, RunDetails, MetricPoint, MetricEntry, RunField, CompareOp,
  RunCondition, ListRunsQuery, RunComparison, ModelVersion, RegisteredModel,
} from "./types.js";
