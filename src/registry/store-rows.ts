// The table rows both SQL stores read (SQLite and PostgreSQL share one schema layout), and the SQL
// helpers that do not depend on the dialect.
import type { RunStatus } from "./types.js";

/** A row of `runs` joined with its experiment's name. */
export interface RunRow {
  id: string;
  experiment: string;
  name: string | null;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  data_fingerprint: string | null;
  environment: string;
}

/** A row of `model_versions`. */
export interface VersionRow {
  model: string;
  version: number;
  run_id: string | null;
  notes: string;
  created_at: number;
}

/** The columns of a RunRow, for `SELECT ... FROM runs r JOIN experiments e`. */
export const RUN_COLUMNS = `r.id, e.name AS experiment, r.name, r.status, r.start_time, r.end_time, r.data_fingerprint, r.environment`;

/**
 * Param or tag text as a number, or null when it is not one: what `ingot_number` does in both
 * databases (SQLite's CAST would turn "abc" into 0).
 */
export function textNumber(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value !== "string" || value.trim() === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
