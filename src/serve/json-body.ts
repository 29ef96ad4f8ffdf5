// The JSON body parser of the predict routes. Fastify's own says only "Body is not valid JSON"; this one
// says where (line and column) and refuses prototype-poisoning keys by name.
import { HttpError } from "./errors.js";

/** Keys that could reach Object.prototype if a handler ever merged the body into another object. */
function poisonCheck(key: string, value: unknown): unknown {
  if (key === "__proto__" || (key === "constructor" && value !== null && typeof value === "object" && Object.hasOwn(value, "prototype"))) {
    throw new HttpError(400, "forbidden_property", `body: the key "${key}" is not allowed`, "body");
  }
  return value;
}

/** Where `position` (a character offset) is, as "line L column C". */
function lineColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  return `line ${line} column ${position - before.lastIndexOf("\n")}`;
}

/** Parses a request body as JSON; errors are 400s that say what and where. */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new HttpError(400, "empty_body", "body: empty, but content-type is application/json", "body");
  // the reviver is slow on big bodies: only pay for it when a dangerous key can be there at all
  const risky = text.includes("__proto__") || text.includes("constructor");
  try {
    return risky ? JSON.parse(text, poisonCheck) : JSON.parse(text);
  } catch (e) {
    if (e instanceof HttpError) throw e;
    const message = (e as Error).message;
    const at = /at position (\d+)/.exec(message);
    const where = at ? ` (${lineColumn(text, Number(at[1]))})` : "";
    throw new HttpError(400, "malformed_json", `body: not valid JSON${where}: ${message.replace(/ in JSON at position \d+.*$/s, "")}`, "body");
  }
}
