// JSON architecture configs: every layer describes itself with getConfig(), and a registry of
// factories rebuilds a module tree from that description (weights travel separately, in a state dict).
import type { AnyModule } from "./module.js";

/** A value that survives JSON.stringify / JSON.parse unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A layer's architecture as plain JSON: its registered `type` and its constructor arguments. */
export interface LayerConfig {
  type: string;
  [key: string]: JsonValue;
}

/** Rebuilds a layer from its config. */
export type LayerFactory = (config: LayerConfig) => AnyModule;

const registry = new Map<string, LayerFactory>();

/**
 * Registers the factory that `moduleFromConfig` uses for configs of this `type`. Registering a type
 * twice is an error (two layers fighting over one name), unless `replace` is set.
 */
export function registerLayer(type: string, factory: LayerFactory, opts: { replace?: boolean } = {}): void {
  if (typeof type !== "string" || type.length === 0) throw new Error(`registerLayer: type must be a non-empty string, got ${JSON.stringify(type)}`);
  if (registry.has(type) && !opts.replace) {
    throw new Error(`registerLayer: layer type "${type}" is already registered; pass { replace: true } to override it`);
  }
  registry.set(type, factory);
}

/** The layer types `moduleFromConfig` can build, in registration order. */
export function registeredLayers(): string[] {
  return [...registry.keys()];
}

/**
 * Builds a module (freshly initialised) from a config made by `getConfig()`; load the weights with
 * `loadStateDict`. The type parameter is the caller's claim about what the config describes.
 */
export function moduleFromConfig<M extends AnyModule = AnyModule>(config: LayerConfig): M {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new Error(`moduleFromConfig: expected a config object with a "type", got ${config === null ? "null" : Array.isArray(config) ? "an array" : typeof config}`);
  }
  if (typeof config.type !== "string") throw new Error(`moduleFromConfig: config has no string "type" field (got ${JSON.stringify(config.type)})`);
  const factory = registry.get(config.type);
  if (!factory) {
    throw new Error(
      `moduleFromConfig: unknown layer type "${config.type}"; register it with registerLayer("${config.type}", factory). ` +
        `Known types: ${registeredLayers().join(", ")}`,
    );
  }
  return factory(config) as M;
}

/**
 * Typed, checked reads of a config's fields for layer factories: a wrong or missing field fails with
 * the layer type, the field and what was found.
 */
export class ConfigReader {
  constructor(readonly config: LayerConfig) {}

  private fail(key: string, expected: string): never {
    const got = this.config[key];
    throw new Error(`moduleFromConfig: ${this.config.type} config field "${key}" must be ${expected}, got ${got === undefined ? "nothing" : JSON.stringify(got)}`);
  }

  private value(key: string, fallback: JsonValue | undefined, expected: string): JsonValue {
    const v = this.config[key];
    if (v !== undefined) return v;
    if (fallback !== undefined) return fallback;
    return this.fail(key, expected);
  }

  /** A finite number. */
  number(key: string, fallback?: number): number {
    const v = this.value(key, fallback, "a number");
    return typeof v === "number" && Number.isFinite(v) ? v : this.fail(key, "a number");
  }

  /** An integer. */
  int(key: string, fallback?: number): number {
    const v = this.value(key, fallback, "an integer");
    return Number.isInteger(v) ? (v as number) : this.fail(key, "an integer");
  }

  /** An integer, or null. */
  intOrNull(key: string, fallback?: number | null): number | null {
    const v = this.value(key, fallback, "an integer or null");
    return v === null || Number.isInteger(v) ? (v as number | null) : this.fail(key, "an integer or null");
  }

  /** A finite number, or null. */
  numberOrNull(key: string, fallback?: number | null): number | null {
    const v = this.value(key, fallback, "a number or null");
    return v === null || (typeof v === "number" && Number.isFinite(v)) ? v : this.fail(key, "a number or null");
  }

  bool(key: string, fallback?: boolean): boolean {
    const v = this.value(key, fallback, "true or false");
    return typeof v === "boolean" ? v : this.fail(key, "true or false");
  }

  /** One of the `allowed` strings. */
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback?: T): T {
    const what = allowed.map((a) => JSON.stringify(a)).join(" or ");
    const v = this.value(key, fallback, what);
    return typeof v === "string" && (allowed as readonly string[]).includes(v) ? (v as T) : this.fail(key, what);
  }

  /** A list of integers. */
  ints(key: string, fallback?: number[]): number[] {
    const v = this.value(key, fallback, "a list of integers");
    return Array.isArray(v) && v.every((x) => Number.isInteger(x)) ? (v as number[]) : this.fail(key, "a list of integers");
  }

  /** An integer or a list of integers. */
  intOrInts(key: string, fallback?: number | number[]): number | number[] {
    const v = this.value(key, fallback, "an integer or a list of integers");
    if (Number.isInteger(v)) return v as number;
    return Array.isArray(v) && v.every((x) => Number.isInteger(x)) ? (v as number[]) : this.fail(key, "an integer or a list of integers");
  }

  /** An integer or a pair of integers. */
  intOrPair(key: string, fallback?: number | [number, number]): number | [number, number] {
    const v = this.value(key, fallback, "an integer or a pair of integers");
    if (Number.isInteger(v)) return v as number;
    if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x))) return [v[0] as number, v[1] as number];
    return this.fail(key, "an integer or a pair of integers");
  }

  /** A nested layer config. */
  layer(key: string): LayerConfig {
    const v = this.config[key];
    return isLayerConfig(v) ? v : this.fail(key, "a layer config object with a \"type\"");
  }

  /** A list of nested layer configs. */
  layers(key: string): LayerConfig[] {
    const v = this.config[key];
    return Array.isArray(v) && v.every(isLayerConfig) ? (v as LayerConfig[]) : this.fail(key, "a list of layer configs");
  }

  /** A list of [name, layer config] pairs (order kept, unlike an object with numeric-looking keys). */
  namedLayers(key: string): [string, LayerConfig][] {
    const v = this.config[key];
    const ok = Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === "string" && isLayerConfig(e[1]));
    return ok ? (v as [string, LayerConfig][]) : this.fail(key, "a list of [name, layer config] pairs");
  }
}

function isLayerConfig(v: JsonValue | undefined): v is LayerConfig {
  return v !== null && typeof v === "object" && !Array.isArray(v) && typeof v.type === "string";
}
