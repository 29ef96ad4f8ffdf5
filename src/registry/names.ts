// Checks for names that become folder names or keys, so a bad one fails with a clear message before
// anything is written (and can never escape the registry folder).
import { RegistryError } from "./errors.js";

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ALIAS = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;
const ARTIFACT_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._ -]{0,254}$/;

/** A model name: letters, digits, ".", "_", "-", starting with a letter or digit; at most 128 characters. */
export function checkModelName(op: string, name: unknown): string {
  if (typeof name !== "string" || !MODEL_NAME.test(name)) {
    throw new RegistryError(`${op}: model name ${JSON.stringify(name)} is invalid; use letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
  return name;
}

/** An alias: starts with a letter (so it never reads as a version number). */
export function checkAlias(op: string, alias: unknown): string {
  if (typeof alias !== "string" || !ALIAS.test(alias)) {
    throw new RegistryError(`${op}: alias ${JSON.stringify(alias)} is invalid; use letters, digits, ".", "_" or "-", starting with a letter`);
  }
  return alias;
}

/** A version number: a positive integer. */
export function checkVersion(op: string, version: unknown): number {
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    throw new RegistryError(`${op}: version must be a positive integer, got ${JSON.stringify(version)}`);
  }
  return version;
}

/** A non-empty string: experiment names, run ids, param/metric/tag keys. */
export function checkText(op: string, what: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) throw new RegistryError(`${op}: ${what} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

/** A relative artifact name like "plots/loss.png": no "..", no absolute paths, no hidden segments. */
export function checkArtifactName(op: string, name: unknown): string {
  const segments = typeof name === "string" ? name.split("/") : [];
  if (segments.length === 0 || !segments.every((s) => ARTIFACT_SEGMENT.test(s))) {
    throw new RegistryError(`${op}: artifact name ${JSON.stringify(name)} is invalid; use a relative path like "plots/loss.png" (no "..", no leading "." or "/")`);
  }
  return name as string;
}
