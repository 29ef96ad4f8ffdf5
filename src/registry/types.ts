// The registry's records, in the shapes the public API returns. Times are milliseconds since the epoch.

/** A run's lifecycle state; everything but "running" is terminal. */
export type RunStatus = "running" | "finished" | "failed" | "killed";

/** The statuses a run may end with. */
export type EndStatus = Exclude<RunStatus, "running">;

/** A parameter value as given; stored and returned as text, like MLflow. */
export type ParamValue = string | number | boolean;

/** A named group of runs. */
export interface Experiment {
  id: number;
  name: string;
  createdAt: number;
}

/** Where and with what a run executed, recorded when it starts. */
export interface RunEnvironment {
  node: string;
  platform: string;
  ingotVersion: string;
  backend: string;
  [extra: string]: string;
}

/** One file logged by a run. */
export interface ArtifactInfo {
  /** Relative name under the run's artifact folder, e.g. "plots/loss.png". */
  name: string;
  /** Absolute path of the stored file. */
  path: string;
  size: number;
  sha256: string;
  createdAt: number;
}

/** A run with its params, tags and the last value of each metric. */
export interface Run {
  id: string;
  experiment: string;
  name: string | null;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Last value of each metric (highest step, then latest timestamp). */
  metrics: Record<string, number>;
  dataFingerprint: string | null;
  environment: RunEnvironment;
}

/** A run as getRun returns it: also its artifacts. */
export interface RunDetails extends Run {
  artifacts: ArtifactInfo[];
}

/** One logged metric value. */
export interface MetricPoint {
  value: number;
  step: number;
  timestamp: number;
}

/** A metric value to log in a batch. */
export interface MetricEntry {
  key: string;
  value: number;
  step?: number;
  timestamp?: number;
}

/** A field of a run that listRuns can filter or order on. */
export type RunField =
  | { metric: string }
  | { param: string }
  | { tag: string }
  | { attribute: "name" | "status" | "startTime" | "endTime" };

/** A comparison operator for run filters. */
export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";

/** One filter condition: runs lacking the field never match. Numbers compare numerically. */
export interface RunCondition {
  on: RunField;
  op: CompareOp;
  value: string | number;
}

/** What listRuns selects. */
export interface ListRunsQuery {
  /** Only runs of this experiment. */
  experiment?: string;
  /** All conditions must hold. */
  where?: RunCondition[];
  /** Sort keys in order; runs lacking a key sort last. Default: newest start first. */
  orderBy?: { on: RunField; descending?: boolean }[];
  limit?: number;
}

/** Runs side by side: one row per param/metric key, one column per run (null where a run lacks it). */
export interface RunComparison {
  runs: Run[];
  params: Record<string, (string | null)[]>;
  metrics: Record<string, (number | null)[]>;
}

/** A numbered, immutable copy of a model directory. */
export interface ModelVersion {
  model: string;
  version: number;
  /** Absolute path of the registry's copy of the model directory. */
  path: string;
  /** The run that produced it (lineage), if given. */
  runId: string | null;
  notes: string;
  createdAt: number;
  /** Aliases currently pointing at this version. */
  aliases: string[];
}

/** A registered model: a name with numbered versions and aliases. */
export interface RegisteredModel {
  name: string;
  notes: string;
  createdAt: number;
  latestVersion: number | null;
  versionCount: number;
  /** alias -> version */
  aliases: Record<string, number>;
}
