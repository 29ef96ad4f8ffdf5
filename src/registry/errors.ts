// Registry errors: messages name the thing at fault so a CLI or HTTP layer can show them as they are.

/** Any error raised by the registry (bad input, conflicts, a broken store). */
export class RegistryError extends Error {
  override name = "RegistryError";
}

/** What kind of thing a lookup did not find. */
export type RegistryThing = "experiment" | "run" | "model" | "version" | "alias";

/** A lookup of an experiment, run, model, version or alias that does not exist. */
export class RegistryNotFoundError extends RegistryError {
  override name = "RegistryNotFoundError";
  /** @param thing what was looked up; @param key its name, id or number. */
  constructor(readonly thing: RegistryThing, readonly key: string, message: string) {
    super(message);
  }
}

/** A change refused because it would break an invariant (e.g. deleting a version an alias points to). */
export class RegistryConflictError extends RegistryError {
  override name = "RegistryConflictError";
}

/** The not-found errors every store raises, so messages read the same whatever the backend. */
export const notFound = {
  experiment: (name: string) => new RegistryNotFoundError("experiment", name, `unknown experiment "${name}"`),
  run: (id: string) => new RegistryNotFoundError("run", id, `unknown run "${id}"`),
  model: (name: string) => new RegistryNotFoundError("model", name, `unknown model "${name}"`),
  version: (name: string, version: number) => new RegistryNotFoundError("version", `${name}@${version}`, `model "${name}" has no version ${version}`),
  alias: (name: string, alias: string) => new RegistryNotFoundError("alias", `${name}@${alias}`, `model "${name}" has no alias "${alias}"`),
};
