// Checks that values headed for a JSON file survive JSON.stringify unchanged: JSON.stringify silently
// drops undefined and functions and turns NaN into null, which would corrupt a saved config.

import type { JsonValue } from "../nn/config.js";

export type { JsonValue };

/** Throws naming the path (e.g. `architecture.layers[2].act`) of the first part of `value` that is not plain JSON. */
export function checkJson(op: string, value: unknown, path: string, ancestors: object[] = []): asserts value is JsonValue {
  const bad = (what: string): never => {
    throw new TypeError(`${op}: ${path} is ${what}, which JSON cannot hold`);
  };
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) bad(String(value));
    return;
  }
  if (typeof value !== "object") return bad(value === undefined ? "undefined" : `a ${typeof value}`);
  if (ancestors.includes(value)) bad("a reference to itself (a cycle)");
  const inner = [...ancestors, value];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkJson(op, value[i], `${path}[${i}]`, inner); // holes read as undefined
    return;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) bad(`a ${value.constructor?.name ?? "non-plain"} object`);
  for (const [k, v] of Object.entries(value)) checkJson(op, v, /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`, inner);
}

/** A plain JSON object (not null, not an array). */
export function isJsonObject(x: unknown): x is { [key: string]: JsonValue } {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}
