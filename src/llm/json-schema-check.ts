// node-llama-cpp compiles a subset of JSON schema to a grammar and silently ignores what it does not
// know, which would let a typo'd schema produce unconstrained output. This walk rejects such schemas
// up front, naming the path of the bad part.
import { LlmError } from "./errors.js";

const TYPES = new Set(["string", "number", "integer", "boolean", "null", "object", "array"]);
const KEYWORDS = new Set([
  "type", "enum", "const", "oneOf", "anyOf", "properties", "additionalProperties", "required", "items", "prefixItems",
  "minItems", "maxItems", "minLength", "maxLength", "format", "description", "title", "$defs", "$ref", "$schema", "default",
  "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "examples",
]);

function fail(path: string, detail: string): never {
  throw new LlmError("invalid_schema", `jsonSchema${path}: ${detail}`);
}

/** Throws LlmError `invalid_schema` when `schema` uses something the grammar compiler cannot honour. */
export function checkJsonSchema(schema: unknown, path = ""): void {
  if (schema === true || (typeof schema === "object" && schema !== null && Object.keys(schema).length === 0)) return;
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) fail(path, "expected a schema object");
  const s = schema as Record<string, unknown>;
  for (const k of Object.keys(s)) if (!KEYWORDS.has(k)) fail(path, `"${k}" is not supported by the grammar compiler`);
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    for (const t of types) if (typeof t !== "string" || !TYPES.has(t)) fail(`${path}.type`, `${JSON.stringify(t)} is not a JSON schema type`);
  }
  if (s.enum !== undefined && (!Array.isArray(s.enum) || s.enum.length === 0)) fail(`${path}.enum`, "an empty enum cannot be satisfied");
  for (const k of ["oneOf", "anyOf", "prefixItems"] as const) {
    if (s[k] === undefined) continue;
    if (!Array.isArray(s[k]) || (s[k] as unknown[]).length === 0) fail(`${path}.${k}`, "expected a non-empty array of schemas");
    (s[k] as unknown[]).forEach((sub, i) => checkJsonSchema(sub, `${path}.${k}[${i}]`));
  }
  for (const k of ["properties", "$defs"] as const) {
    if (s[k] === undefined) continue;
    if (typeof s[k] !== "object" || s[k] === null) fail(`${path}.${k}`, "expected an object of schemas");
    for (const [name, sub] of Object.entries(s[k] as object)) checkJsonSchema(sub, `${path}.${k}.${name}`);
  }
  if (s.items !== undefined && s.items !== false) checkJsonSchema(s.items, `${path}.items`);
  if (typeof s.additionalProperties === "object") checkJsonSchema(s.additionalProperties, `${path}.additionalProperties`);
  if (typeof s.minItems === "number" && typeof s.maxItems === "number" && s.minItems > s.maxItems) fail(path, `minItems ${s.minItems} > maxItems ${s.maxItems} cannot be satisfied`);
  if (typeof s.minLength === "number" && typeof s.maxLength === "number" && s.minLength > s.maxLength) fail(path, `minLength ${s.minLength} > maxLength ${s.maxLength} cannot be satisfied`);
}
