// API keys kept in one JSON file (by default beside the registry, `.ingot/api-keys.json`). Only hashes
// of the secrets are stored. The file is re-read when it changes on disk, so `ingot keys create` and
// `ingot keys revoke` take effect in a running server on its next request, without a restart.
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { writeFileAtomic, writeAll } from "../../io/atomic.js";
import { withFileLock } from "../../io/file-lock.js";
import type { ApiScope } from "../plugin.js";
import { fieldPath } from "../errors.js";
import { formatToken, hashSecret, isKeyId, newKeyId, newSecret, parseToken, secretMatches } from "./tokens.js";

/** Every scope, weakest first. */
export const API_SCOPES: readonly ApiScope[] = ["predict", "admin"];

/** What is known about a key; never its secret. */
export interface ApiKeyInfo {
  /** The key's id (the middle part of its token). */
  id: string;
  /** A human name, e.g. "checkout-service". */
  name: string;
  /** What the key may do. */
  scopes: ApiScope[];
  /** Its own limit in requests per minute, overriding the server's rate limit. */
  rateLimit?: number;
  /** When it was created (ISO 8601). */
  createdAt: string;
  /** When it was revoked (ISO 8601); revoked keys are kept so `list` shows them. */
  revokedAt?: string;
}

/** What `create` takes. */
export interface CreateApiKeyOptions {
  name: string;
  scopes: ApiScope[];
  /** Requests per minute for this key (overrides the server's `rateLimit.max`). */
  rateLimit?: number;
}

/** The outcome of checking a token. */
export type VerifyResult = { ok: true; key: ApiKeyInfo } | { ok: false; reason: "malformed" | "unknown" | "revoked" };

const scopeSchema = z.enum(["predict", "admin"]);
const nameSchema = z.string().min(1, "must not be empty").max(100, "at most 100 characters")
  // names are printed by `ingot keys list` and logged: no control characters
  .regex(/^[^\p{Cc}]+$/u, "must not contain control characters (newlines, tabs, ...)");
const rateLimitSchema = z.number().int("must be a whole number").positive("must be positive").max(1e9);

const storedKey = z.object({
  id: z.string().refine(isKeyId, "expected 16 hex digits"),
  name: nameSchema,
  scopes: z.array(scopeSchema).min(1),
  rateLimit: rateLimitSchema.optional(),
  secretSha256: z.string().regex(/^[0-9a-f]{64}$/, "expected a SHA-256 hex digest"),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
}).strict();
type StoredKey = z.infer<typeof storedKey>;

const keyFile = z.object({ version: z.literal(1), keys: z.array(storedKey) }).strict();

const createOptions = z.object({ name: nameSchema, scopes: z.array(scopeSchema).min(1, "give at least one scope"), rateLimit: rateLimitSchema.optional() }).strict();

/** The default key file of a registry root: `<root>/api-keys.json`. */
export function apiKeysPath(root = ".ingot"): string {
  return join(resolve(root), "api-keys.json");
}

/** Whether `key` may act with `scope` (admin implies predict). */
export function hasScope(key: ApiKeyInfo, scope: ApiScope): boolean {
  return key.scopes.includes(scope) || key.scopes.includes("admin");
}

function info(k: StoredKey): ApiKeyInfo {
  return {
    id: k.id, name: k.name, scopes: [...k.scopes], createdAt: k.createdAt,
    ...(k.rateLimit !== undefined && { rateLimit: k.rateLimit }), ...(k.revokedAt !== undefined && { revokedAt: k.revokedAt }),
  };
}

/** What identifies one version of the file on disk (an atomic rename gives a new inode). */
function versionOf(s: { mtimeMs: number; size: number; ino: number }): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}`;
}

/** API keys in a JSON file: create, verify, list, revoke. Open one with openApiKeys. */
export class ApiKeyStore {
  private keys = new Map<string, StoredKey>();
  private version: string | null = null;

  /** Use openApiKeys. */
  constructor(
    /** The key file. */
    readonly path: string,
  ) {}

  /** Re-reads the file when it changed since the last read; a missing file means no keys. */
  async refresh(): Promise<void> {
    let current: string | null;
    try {
      current = versionOf(await stat(this.path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      current = null;
    }
    if (current === this.version) return;
    this.keys = current === null ? new Map() : await this.read();
    this.version = current;
  }

  private async read(): Promise<Map<string, StoredKey>> {
    const text = await readFile(this.path, "utf8");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`API key file ${this.path} is not valid JSON (${(e as Error).message}); restore it or move it away and create new keys`);
    }
    const r = keyFile.safeParse(json);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new Error(`API key file ${this.path} is corrupt: ${fieldPath(issue.path)}: ${issue.message}`);
    }
    return new Map(r.data.keys.map((k) => [k.id, k]));
  }

  private async write(): Promise<void> {
    const body = JSON.stringify({ version: 1, keys: [...this.keys.values()] }, null, 2) + "\n";
    await mkdir(dirname(this.path), { recursive: true });
    // 0600: the file holds only hashes, but who may use the server is still nobody else's business
    await writeFileAtomic(this.path, async (fh) => {
      await fh.chmod(0o600);
      await writeAll(fh, Buffer.from(body, "utf8"));
    });
    this.version = versionOf(await stat(this.path));
  }

  /**
   * Read-modify-write under a lock file, so processes creating or revoking keys at once (two
   * `ingot keys create`, a server and the CLI) each see the others' changes and none is lost.
   */
  private async change<T>(edit: () => { value: T; changed: boolean }): Promise<T> {
    await mkdir(dirname(this.path), { recursive: true });
    return withFileLock(this.path, async () => {
      await this.refresh();
      const { value, changed } = edit();
      if (changed) {
        await this.write().catch((e: unknown) => {
          this.version = null; // the edit is in memory only: read the file again next time
          throw e;
        });
      }
      return value;
    });
  }

  /** Creates a key. The token is returned only here: store it, it cannot be shown again. */
  async create(opts: CreateApiKeyOptions): Promise<{ id: string; token: string }> {
    const r = createOptions.safeParse(opts);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new Error(`API key ${fieldPath(issue.path)}: ${issue.message}`);
    }
    const secret = newSecret();
    const { name, scopes, rateLimit } = r.data;
    const id = await this.change(() => {
      let fresh = newKeyId();
      while (this.keys.has(fresh)) fresh = newKeyId();
      this.keys.set(fresh, {
        id: fresh, name, scopes: [...new Set(scopes)], ...(rateLimit !== undefined && { rateLimit }),
        secretSha256: hashSecret(secret), createdAt: new Date().toISOString(),
      });
      return { value: fresh, changed: true };
    });
    return { id, token: formatToken(id, secret) };
  }

  /** Checks a token: its shape, that its key exists and is not revoked, and its secret. */
  async verify(token: string): Promise<VerifyResult> {
    const parts = parseToken(token);
    if (!parts) return { ok: false, reason: "malformed" };
    await this.refresh();
    const k = this.keys.get(parts.id);
    if (!k) {
      // same work as a known id, so timing does not tell which ids exist
      secretMatches(parts.secret, "0".repeat(64));
      return { ok: false, reason: "unknown" };
    }
    if (!secretMatches(parts.secret, k.secretSha256)) return { ok: false, reason: "unknown" };
    if (k.revokedAt !== undefined) return { ok: false, reason: "revoked" };
    return { ok: true, key: info(k) };
  }

  /** Every key, revoked ones included, oldest first; no secrets or hashes. */
  async list(): Promise<ApiKeyInfo[]> {
    await this.refresh();
    return [...this.keys.values()].map(info).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  /** Revokes a key; it stops working on the next request of any server reading this file. */
  async revoke(id: string): Promise<ApiKeyInfo> {
    return this.change(() => {
      const k = this.keys.get(id);
      if (!k) throw new Error(`no API key with id "${id}" in ${this.path} (see: ingot keys list)`);
      if (k.revokedAt !== undefined) return { value: info(k), changed: false };
      k.revokedAt = new Date().toISOString();
      return { value: info(k), changed: true };
    });
  }
}

/** Opens the key file at `path` (default `.ingot/api-keys.json`); a corrupt file is an error naming it. */
export async function openApiKeys(path = apiKeysPath()): Promise<ApiKeyStore> {
  const store = new ApiKeyStore(resolve(path));
  await store.refresh();
  return store;
}
