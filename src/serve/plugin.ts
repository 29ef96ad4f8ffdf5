// Extra route sets (dashboard, monitoring, LLM endpoints) plug into createServer through this contract,
// so they share its error format, API keys, rate limits, CORS and metrics instead of re-implementing them.
import type { FastifyInstance, FastifyRequest } from "fastify";

/** What an API key may do: `predict` calls models; `admin` also changes the registry (promote, roll back). */
export type ApiScope = "predict" | "admin";

/** What createServer hands to each plugin. */
export interface PluginContext {
  /**
   * Checks the request's API key for `scope`; throws an HttpError (401 missing/unknown key, 403 wrong
   * scope) that the server turns into its JSON error. Resolves at once when the server has no keys.
   */
  authorize(req: FastifyRequest, scope: ApiScope): Promise<void>;
}

/** Adds routes to a server made by createServer (registered before it starts listening). */
export type ServerPlugin = (app: FastifyInstance, ctx: PluginContext) => void | Promise<void>;
