// Turns what the pg driver throws (socket errors, server errors with a SQLSTATE) into one-line
// RegistryErrors that name the server and database, so a CLI shows "connection refused" rather than a
// stack of driver internals. The password in the URL never appears in a message.
import { RegistryError } from "./errors.js";

/** Where a PostgreSQL registry lives, as its messages name it. */
export interface PostgresTarget {
  host: string;
  port: string;
  database: string;
  user: string;
}

/** Reads host, port, database and user from a postgres:// URL (libpq's defaults where absent). */
export function postgresTarget(connectionString: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    throw new RegistryError(`PostgreSQL connection string is not a valid URL (expected postgres://user:password@host:port/database)`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new RegistryError(`PostgreSQL connection string must start with postgres:// or postgresql://, got ${url.protocol}//`);
  }
  const user = decodeURIComponent(url.username) || process.env.PGUSER || process.env.USER || "postgres";
  return {
    host: url.hostname || url.searchParams.get("host") || "localhost",
    port: url.port || "5432",
    database: decodeURIComponent(url.pathname.slice(1)) || user,
    user,
  };
}

/** "host:port/database", the short name used in every message. */
export const describeTarget = (t: PostgresTarget): string => `${t.host}:${t.port}/${t.database}`;

interface DriverError {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim();

/**
 * The RegistryError to show for a driver error; RegistryErrors (ours) pass through unchanged. Covers the
 * failures people meet first: server not running, wrong host, wrong password, database not created.
 */
export function fromDriverError(e: unknown, target: PostgresTarget): Error {
  if (e instanceof RegistryError) return e;
  const err = (e ?? {}) as DriverError;
  // Node reports a refused dual-stack connect (::1 and 127.0.0.1) as an AggregateError with the code on top
  const code = typeof err.code === "string" ? err.code : "";
  const raw = typeof err.message === "string" && err.message ? err.message : code || String(e);
  const at = `PostgreSQL at ${target.host}:${target.port}`;
  const cannot = `cannot connect to ${at} (database "${target.database}")`;
  let message: string;
  switch (code) {
    case "ECONNREFUSED":
      message = `${cannot}: connection refused; is the server running and listening on that port?`;
      break;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      message = `${cannot}: unknown host "${target.host}"`;
      break;
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      message = `${cannot}: ${code === "ETIMEDOUT" ? "timed out" : "host unreachable"}`;
      break;
    case "28P01": // invalid_password
    case "28000": // invalid_authorization_specification (e.g. no pg_hba.conf entry)
      message = `${cannot}: authentication failed for user "${target.user}" (${oneLine(raw)})`;
      break;
    case "3D000": // invalid_catalog_name
      message = `${at} has no database "${target.database}"; create it (createdb ${target.database}) or fix the connection URL`;
      break;
    case "42501": // insufficient_privilege
      message = `${at}/${target.database}: user "${target.user}" lacks a privilege the registry needs: ${oneLine(raw)}`;
      break;
    default:
      if (/timeout/i.test(raw)) message = `${cannot}: ${oneLine(raw)}`;
      else if (/^[0-9A-Z]{5}$/.test(code)) message = `${at}/${target.database}: ${oneLine(raw)} (SQLSTATE ${code})`;
      else message = `${at}/${target.database}: ${oneLine(raw)}`;
  }
  return new RegistryError(message, { cause: e });
}
