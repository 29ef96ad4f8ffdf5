// What the server needs from a model registry: turn (name, version | alias) into a model directory, and
// list what can be served. The registry implements this; tests and `serve --model-dir` use the in-memory one.

/** Picks one version of a model: by number, or through an alias such as "production". */
export type ModelSelector = { version: number } | { alias: string };

/** A resolved model version and the model directory (saveModelDir layout) that holds it. */
export interface ResolvedModel {
  name: string;
  version: number;
  dir: string;
}

/** A model's versions and aliases, as `GET /v1/models` lists them. */
export interface ModelListing {
  name: string;
  versions: number[];
  /** alias → version. */
  aliases: Record<string, number>;
}

/** Where the server finds models. `resolve` returns null when the name, version or alias is unknown. */
export interface ModelSource {
  /** The model directory for `name` at `selector`, or null when there is none. */
  resolve(name: string, selector: ModelSelector): Promise<ResolvedModel | null>;
  /** Every model with its versions and aliases. */
  list(): Promise<ModelListing[]>;
}

/** A ModelSource held in memory: versions registered by hand, aliases moved with setAlias. */
export class InMemoryModelSource implements ModelSource {
  private readonly models = new Map<string, { versions: Map<number, string>; aliases: Map<string, number> }>();

  /** Registers `dir` as `name` version `version` (replacing an existing one). */
  addVersion(name: string, version: number, dir: string): this {
    if (!Number.isInteger(version) || version < 1) throw new RangeError(`InMemoryModelSource.addVersion: version must be a positive integer, got ${version}`);
    let m = this.models.get(name);
    if (!m) this.models.set(name, (m = { versions: new Map(), aliases: new Map() }));
    m.versions.set(version, dir);
    return this;
  }

  /** Points `alias` of `name` at `version` (which must exist): how promotion and rollback look here. */
  setAlias(name: string, alias: string, version: number): this {
    const m = this.models.get(name);
    if (!m?.versions.has(version)) throw new Error(`InMemoryModelSource.setAlias: ${name} has no version ${version}`);
    m.aliases.set(alias, version);
    return this;
  }

  async resolve(name: string, selector: ModelSelector): Promise<ResolvedModel | null> {
    const m = this.models.get(name);
    if (!m) return null;
    const version = "version" in selector ? selector.version : m.aliases.get(selector.alias);
    const dir = version === undefined ? undefined : m.versions.get(version);
    return dir === undefined || version === undefined ? null : { name, version, dir };
  }

  async list(): Promise<ModelListing[]> {
    return [...this.models].map(([name, m]) => ({
      name,
      versions: [...m.versions.keys()].sort((a, b) => a - b),
      aliases: Object.fromEntries(m.aliases),
    }));
  }
}
