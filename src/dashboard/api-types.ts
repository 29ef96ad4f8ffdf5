// Answers of the dashboard API that the browser code (dashboard/src) types itself with: type-only
// imports, so the front end shares them without pulling in server code.
import type { TableProfile } from "../data/profile.js";

/** A catalog dataset's profile with what it was computed from. */
export interface DatasetProfile {
  dataset: string;
  description: string;
  /** Rows read; fewer than the dataset holds when it is large. */
  rowsProfiled: number;
  target: string | null;
  profile: TableProfile;
}
