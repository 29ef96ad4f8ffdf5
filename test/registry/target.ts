// Where a test registry lives, and how to open it: shared by the tests and the writer child processes
// (kept free of side effects so a child importing it creates nothing).
import { openRegistry, type Registry } from "../../src/registry/index.js";

/** Where one test's registry lives: its root folder and, for PostgreSQL, the URL and schema ("" URL: SQLite). */
export interface RegistryTarget {
  root: string;
  databaseUrl: string;
  databaseSchema?: string;
}

/** Opens a registry at a target (in this process or, given as JSON, in a child). */
export const openAt = (t: RegistryTarget): Registry => openRegistry({ root: t.root, databaseUrl: t.databaseUrl, databaseSchema: t.databaseSchema });
