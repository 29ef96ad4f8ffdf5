// The API's answers, typed from the server's own contracts so both sides change together.
import type { RunEvaluation } from "../../src/experiment/evaluation.js";
import type { Experiment, MetricPoint, RegisteredModel, Run, RunComparison, ModelVersion } from "../../src/registry/types.js";

export type { FeatureDrift, MonitorReport } from "../../src/monitor/types.js";
export type { ColumnProfile, TableProfile } from "../../src/data/profile.js";
export type { DatasetProfile } from "../../src/dashboard/api-types.js";
export type { Experiment, MetricPoint, RegisteredModel, Run, RunComparison, RunEvaluation };

/** `GET /api/runs/:id`. */
export interface RunDetailResponse {
  run: Run & { artifacts: { name: string; size: number; createdAt: number }[] };
  metricKeys: string[];
  evaluation: RunEvaluation | null;
  evaluationError: string | null;
}

/** `GET /api/runs/:id/metrics`. */
export interface MetricsResponse {
  status: Run["status"];
  history: Record<string, MetricPoint[]>;
}

/** A version in `GET /api/models/:name`, with the run it came from. */
export type VersionRow = Omit<ModelVersion, "path"> & {
  run: Pick<Run, "id" | "experiment" | "name" | "status" | "metrics"> | null;
};

/** `GET /api/models/:name`. */
export interface ModelDetailResponse {
  model: RegisteredModel;
  versions: VersionRow[];
}

/** What promote and roll back answer. */
export interface AliasChange {
  model: string;
  alias: string;
  version: number;
  previous: number | null;
}


/** A catalog dataset as `GET /api/data` lists it (src/data/catalog.ts DatasetInfo; that module needs Node). */
export interface DatasetInfo {
  name: string;
  kind: "table" | "text" | "graph" | "time-series" | "large";
  description: string;
  package: string;
  rows: number;
  columns: string[];
  target?: string;
}
