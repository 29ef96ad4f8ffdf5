// Who is calling: reads the API key of a request once (Authorization: Bearer or x-api-key), and decides
// whether a route needs one. Identification runs before rate limiting (which is keyed by the key) and
// enforcement after it, so clients sending bad tokens are rate limited by IP before they get their 401.
import type { FastifyRequest } from "fastify";
import { hasScope, type ApiKeyInfo, type ApiKeyStore } from "./auth/api-keys.js";
import { HttpError } from "./errors.js";
import type { ApiScope } from "./plugin.js";

/** Which scope the routes outside /v1 need when the server has API keys; open when absent. */
export interface ProtectedRoutes {
  /** Scope needed for `GET /metrics`. */
  metrics?: ApiScope;
  /** Scope needed for `/docs` (the OpenAPI spec and UI). */
  docs?: ApiScope;
}

/** A request's caller: a verified key, a rejected token, or nobody. */
type Identity = { key: ApiKeyInfo } | { rejected: HttpError } | { anonymous: true };

const MISSING = "missing API key: send `Authorization: Bearer <token>` or `x-api-key: <token>`";

/** The token a request carries, or an error when a credential header is there but unusable. */
function tokenOf(req: FastifyRequest): string | HttpError | null {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer +(\S+) *$/i.exec(auth);
    if (!m) return new HttpError(401, "invalid_api_key", "Authorization header: expected `Bearer <token>`");
    return m[1];
  }
  const key = req.headers["x-api-key"];
  if (key === undefined) return null;
  if (typeof key !== "string") return new HttpError(401, "invalid_api_key", "x-api-key header: send it once");
  return key.trim();
}

/** API key checks for one server; without a key store every check passes. */
export class RequestAuth {
  private readonly pending = new WeakMap<FastifyRequest, Promise<Identity>>();
  private readonly known = new WeakMap<FastifyRequest, Identity>();

  constructor(
    private readonly store: ApiKeyStore | undefined,
    private readonly rules: ProtectedRoutes = {},
  ) {}

  /** Whether the server checks API keys at all. */
  get enabled(): boolean {
    return this.store !== undefined;
  }

  /** Reads and verifies the request's key once; later calls reuse the answer. */
  identify(req: FastifyRequest): Promise<Identity> {
    let p = this.pending.get(req);
    if (!p) {
      p = this.check(req).then((id) => (this.known.set(req, id), id));
      this.pending.set(req, p);
    }
    return p;
  }

  private async check(req: FastifyRequest): Promise<Identity> {
    if (!this.store) return { anonymous: true };
    const token = tokenOf(req);
    if (token === null) return { anonymous: true };
    if (token instanceof HttpError) return { rejected: token };
    const r = await this.store.verify(token);
    if (r.ok) return { key: r.key };
    if (r.reason === "revoked") return { rejected: new HttpError(401, "api_key_revoked", "this API key was revoked") };
    return { rejected: new HttpError(401, "invalid_api_key", r.reason === "malformed" ? "API key: not an ingot token (ingot_<id>_<secret>)" : "unknown API key") };
  }

  /** The verified key of a request already identified, if any (for rate limiting). */
  keyOf(req: FastifyRequest): ApiKeyInfo | undefined {
    const id = this.known.get(req);
    return id && "key" in id ? id.key : undefined;
  }

  /** Throws a 401 (no or bad key) or 403 (wrong scope) unless the request may act with `scope`. */
  async authorize(req: FastifyRequest, scope: ApiScope): Promise<void> {
    if (!this.store) return;
    const id = await this.identify(req);
    if ("anonymous" in id) throw new HttpError(401, "missing_api_key", MISSING);
    if ("rejected" in id) throw id.rejected;
    if (!hasScope(id.key, scope)) throw new HttpError(403, "insufficient_scope", `API key "${id.key.name}" lacks the scope "${scope}" (it has ${id.key.scopes.join(", ")})`);
  }

  /** The scope a route needs: `predict` for every /v1 route, the configured one for metrics and docs. */
  requiredScope(routeUrl: string | undefined): ApiScope | null {
    if (!this.store || routeUrl === undefined) return null;
    if (routeUrl === "/v1" || routeUrl.startsWith("/v1/")) return "predict";
    if (routeUrl === "/metrics") return this.rules.metrics ?? null;
    if (routeUrl === "/docs" || routeUrl.startsWith("/docs/")) return this.rules.docs ?? null;
    return null;
  }
}
