// The one error type the routes throw for anything the client can fix: it carries the HTTP status, a
// stable machine-readable code and, when one input is at fault, the path of that field.

/** A client-facing error: rendered as `{error: {code, message, field?}}` with `status`. */
export class HttpError extends Error {
  constructor(
    /** The HTTP status (4xx for the client's mistakes). */
    readonly status: number,
    /** A stable code, e.g. "model_not_found", "invalid_field". */
    readonly code: string,
    message: string,
    /** The path of the bad input, e.g. `rows[3].Body Mass (g)`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** A 400 naming the field at fault; the message starts with the field so it reads on its own. */
export function badField(field: string, problem: string): HttpError {
  return new HttpError(400, "invalid_field", `${field}: ${problem}`, field);
}

/** A 404 for a model, version or alias the source does not know. */
export function notFound(message: string): HttpError {
  return new HttpError(404, "model_not_found", message);
}

/** How a JSON value reads in an error message: strings quoted, long values cut short. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** A field path in JavaScript-like notation: ["rows", 3, "Body Mass (g)"] → `rows[3].Body Mass (g)`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out || "body";
}
