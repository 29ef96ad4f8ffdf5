// LLMs as registry citizens: a GGUF file is registered as a model version (a model directory whose
// config.json says `kind: "llm"`, beside the .gguf and the empty weights file every model directory
// has), and requests name it as `name`, `name@version` or `name@alias`. Engines load lazily and the
// least recently used one is closed past `maxEngines` once its last request ends, so promoting or
// rolling back an alias switches the served version on the next request.
import { randomBytes } from "node:crypto";
import { copyFile, link, mkdir, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { saveModelDir } from "../io/model-dir.js";
import { RegistryNotFoundError, type ModelVersion, type Registry } from "../registry/index.js";
import type { LlmEngine } from "./engine.js";
import { loadLlm, type LoadLlmOptions } from "./runtime.js";

/** The file name of the GGUF inside an LLM model directory. */
export const LLM_FILE = "model.gguf";

/** `architecture` in the config.json of an LLM model directory. */
export interface LlmArchitecture {
  kind: "llm";
  format: "gguf";
  /** The GGUF file, relative to the model directory. */
  file: string;
}

/** Which version a model reference picks. */
export type LlmSelector = { version: number } | { alias: string };

/** Why an LLM could not be found or used; `code` is stable (the HTTP layer maps it to a status). */
export class LlmSourceError extends Error {
  constructor(
    /** `model_not_found` (unknown name/version/alias), `invalid_model` (bad reference), `not_an_llm` (a classic model). */
    readonly code: "model_not_found" | "invalid_model" | "not_an_llm",
    message: string,
  ) {
    super(message);
    this.name = "LlmSourceError";
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ALIAS = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

/**
 * Parses `name`, `name@3` or `name@alias` (a bare name means `defaultAlias`). Throws LlmSourceError
 * `invalid_model` naming what is wrong.
 */
export function parseModelRef(ref: string, defaultAlias = "production"): { name: string; selector: LlmSelector } {
  if (typeof ref !== "string" || ref === "") throw new LlmSourceError("invalid_model", "model: expected \"name\", \"name@version\" or \"name@alias\"");
  const at = ref.indexOf("@");
  const name = at < 0 ? ref : ref.slice(0, at);
  const tail = at < 0 ? null : ref.slice(at + 1);
  if (!NAME.test(name)) throw new LlmSourceError("invalid_model", `model: "${ref}" is not a model name (letters, digits, ".", "_", "-")`);
  if (tail === null) return { name, selector: { alias: defaultAlias } };
  if (/^\d+$/.test(tail) && Number(tail) >= 1 && Number.isSafeInteger(Number(tail))) return { name, selector: { version: Number(tail) } };
  if (!ALIAS.test(tail)) throw new LlmSourceError("invalid_model", `model: "${ref}": after "@" expected a version number or an alias, got "${tail}"`);
  return { name, selector: { alias: tail } };
}

/** The LLM architecture of a model directory, or null when it holds something else (a classic model, a prompt). */
export async function readLlmArchitecture(dir: string): Promise<LlmArchitecture | null> {
  let config: { architecture?: { kind?: unknown; file?: unknown } };
  try {
    config = JSON.parse(await readFile(join(dir, "config.json"), "utf8")) as typeof config;
  } catch {
    return null;
  }
  const a = config.architecture;
  if (!a || a.kind !== "llm" || typeof a.file !== "string" || a.file.includes("/") || a.file.includes("\\")) return null;
  return { kind: "llm", format: "gguf", file: a.file };
}

async function checkGguf(path: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, "r");
  } catch (e) {
    throw new Error(`${path}: cannot open the GGUF file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    if (bytesRead < 4 || head.toString("latin1") !== "GGUF") throw new Error(`${path}: not a GGUF file (it does not start with the bytes "GGUF")`);
  } finally {
    await fh.close();
  }
}

/** Options of registerLlm. */
export interface RegisterLlmOptions {
  notes?: string;
  /** The run that produced the model (lineage). */
  fromRun?: string;
  /** Point this alias (e.g. "production") at the new version. */
  alias?: string;
  /** Free-form facts stored in config.json's metadata. */
  metadata?: Record<string, string | number | boolean>;
}

/**
 * Registers a GGUF file as the next version of `name`: builds an LLM model directory (config.json with
 * `architecture: {kind: "llm", format: "gguf", file: "model.gguf"}`, an empty model.safetensors so the
 * classic loader still reads it, and the GGUF) in a temp folder and hands it to `registry.registerModel`,
 * which copies it in atomically.
 */
export async function registerLlm(registry: Registry, name: string, ggufPath: string, opts: RegisterLlmOptions = {}): Promise<ModelVersion> {
  const source = resolve(ggufPath);
  await checkGguf(source);
  const staging = join(tmpdir(), `ingot-llm-${process.pid}-${randomBytes(6).toString("hex")}`);
  await mkdir(staging);
  try {
    const dir = join(staging, "model");
    const architecture: LlmArchitecture = { kind: "llm", format: "gguf", file: LLM_FILE };
    await saveModelDir(dir, { architecture, stateDict: {}, metadata: { source: source, ...opts.metadata } });
    // a hard link avoids copying a multi-gigabyte file twice; registerModel makes the real copy
    await link(source, join(dir, LLM_FILE)).catch(() => copyFile(source, join(dir, LLM_FILE)));
    const v = await registry.registerModel(name, { modelDir: dir, notes: opts.notes, fromRun: opts.fromRun });
    if (opts.alias !== undefined) await registry.setAlias(name, opts.alias, v.version);
    return opts.alias !== undefined ? registry.getVersion(name, v.version) : v;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** A leased engine: use it, then release it (an evicted engine closes after its last release). */
export interface LlmLease {
  /** The registered model name and the version the reference resolved to. */
  name: string;
  version: number;
  engine: LlmEngine;
  release(): void;
}

/** An LLM the source can serve, with its versions and aliases. */
export interface LlmListing {
  name: string;
  versions: number[];
  /** alias → version. */
  aliases: Record<string, number>;
  /** When the newest version was registered (ms since the epoch). */
  createdAt: number;
}

/** An engine loaded right now (for gauges such as queue length). */
export interface LoadedLlm {
  name: string;
  version: number;
  engine: LlmEngine;
}

/** Where the OpenAI routes find LLMs. */
export interface LlmSource {
  /** The alias a bare model name means. */
  readonly defaultAlias: string;
  /** Resolves `name`, `name@version` or `name@alias` and leases its engine, loading it on first use. */
  acquire(model: string): Promise<LlmLease>;
  /** The LLMs that can be served (classic models and prompts are left out). */
  list(): Promise<LlmListing[]>;
  /** The engines loaded now. */
  loaded(): LoadedLlm[];
  /** Closes every engine. */
  close(): Promise<void>;
}

/** Options of registryLlmSource besides how to load. */
export interface RegistryLlmSourceOptions {
  /** Most engines kept loaded (default 2: each holds a model and its context in memory). */
  maxEngines?: number;
  /** The alias a bare name means (default "production"). */
  defaultAlias?: string;
}

interface Entry {
  name: string;
  version: number;
  engine: Promise<LlmEngine>;
  ready: LlmEngine | null;
  inUse: number;
  evicted: boolean;
}

/** An LlmSource over a registry: every request resolves its alias anew, engines are cached by version. */
export function registryLlmSource(registry: Registry, loadOpts: LoadLlmOptions = {}, opts: RegistryLlmSourceOptions = {}): LlmSource {
  const maxEngines = opts.maxEngines ?? 2;
  const defaultAlias = opts.defaultAlias ?? "production";
  if (!Number.isInteger(maxEngines) || maxEngines < 1) throw new RangeError(`registryLlmSource: maxEngines must be a positive integer, got ${maxEngines}`);
  const entries = new Map<string, Entry>();

  const closeEntry = (e: Entry): void => {
    // a failed load has nothing to close; a close failure must not take the server down
    e.engine.then((engine) => engine.close()).catch(() => undefined);
  };
  const evict = (): void => {
    for (const [key, e] of entries) {
      if (entries.size <= maxEngines) break;
      entries.delete(key);
      e.evicted = true;
      if (e.inUse === 0) closeEntry(e);
    }
  };

  const resolveVersion = async (ref: string): Promise<ModelVersion> => {
    const { name, selector } = parseModelRef(ref, defaultAlias);
    try {
      return await registry.getVersion(name, "version" in selector ? selector.version : { alias: selector.alias });
    } catch (e) {
      if (!(e instanceof RegistryNotFoundError)) throw e;
      const what = "version" in selector ? `version ${selector.version}` : `alias "${selector.alias}"`;
      throw new LlmSourceError("model_not_found", `model: no model "${name}" with ${what} (${(e as Error).message})`);
    }
  };

  return {
    defaultAlias,
    async acquire(ref) {
      const v = await resolveVersion(ref);
      const key = `${v.model}@${v.version}`;
      let e = entries.get(key);
      if (e) {
        entries.delete(key); // re-insert: Map order is the LRU order
        entries.set(key, e);
      } else {
        const arch = await readLlmArchitecture(v.path);
        if (!arch) throw new LlmSourceError("not_an_llm", `model: "${v.model}" version ${v.version} is not an LLM (its config.json has no architecture.kind "llm")`);
        const entry: Entry = { name: v.model, version: v.version, engine: loadLlm(join(v.path, arch.file), loadOpts), ready: null, inUse: 0, evicted: false };
        entry.engine.then((engine) => (entry.ready = engine)).catch(() => {
          // a failed load is forgotten so the next request tries again
          if (entries.get(key) === entry) entries.delete(key);
        });
        entries.set(key, (e = entry));
        evict();
      }
      const entry = e;
      entry.inUse++;
      let engine: LlmEngine;
      try {
        engine = await entry.engine;
      } catch (err) {
        entry.inUse--;
        throw err;
      }
      let released = false;
      return {
        name: entry.name,
        version: entry.version,
        engine,
        release() {
          if (released) return;
          released = true;
          entry.inUse--;
          if (entry.evicted && entry.inUse === 0) closeEntry(entry);
        },
      };
    },

    async list() {
      const out: LlmListing[] = [];
      for (const m of await registry.listModels()) {
        const versions = await registry.listVersions(m.name);
        const llm: ModelVersion[] = [];
        for (const v of versions) if (await readLlmArchitecture(v.path)) llm.push(v);
        if (!llm.length) continue;
        const numbers = new Set(llm.map((v) => v.version));
        out.push({
          name: m.name,
          versions: llm.map((v) => v.version),
          aliases: Object.fromEntries(Object.entries(m.aliases).filter(([, n]) => numbers.has(n))),
          createdAt: Math.max(...llm.map((v) => v.createdAt)),
        });
      }
      return out;
    },

    loaded() {
      const out: LoadedLlm[] = [];
      for (const e of entries.values()) if (e.ready) out.push({ name: e.name, version: e.version, engine: e.ready });
      return out;
    },

    async close() {
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map((e) => e.engine.then((engine) => engine.close()).catch(() => undefined)));
    },
  };
}
