// Registry errors become the server's HTTP errors here, so a bad run id or an unknown model reads as a
// 404 naming it instead of a 500.
import { RegistryConflictError, RegistryError, RegistryNotFoundError } from "../registry/errors.js";
import { HttpError } from "../serve/errors.js";

/** Maps a registry error to an HttpError (404 not found, 409 conflict, 400 bad input); other errors pass through. */
export function toHttpError(err: unknown): unknown {
  if (err instanceof HttpError) return err;
  if (err instanceof RegistryNotFoundError) return new HttpError(404, `${err.thing}_not_found`, err.message);
  if (err instanceof RegistryConflictError) return new HttpError(409, "conflict", err.message);
  if (err instanceof RegistryError) return new HttpError(400, "invalid_request", err.message);
  return err;
}

/** Runs `fn`, rethrowing registry errors as HttpErrors. */
export async function viaRegistry<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toHttpError(err);
  }
}
