// `ingot keys create|list|revoke`: API keys for `ingot serve`, kept in `<root>/api-keys.json`. The token
// is printed once at creation; the file keeps only a hash of it.
import type { Command } from "commander";
import { API_SCOPES, apiKeysPath, openApiKeys, type ApiKeyInfo } from "../serve/auth/api-keys.js";
import type { ApiScope } from "../serve/plugin.js";

function scopeOf(v: string): ApiScope {
  if (!(API_SCOPES as readonly string[]).includes(v)) throw new Error(`--scope must be ${API_SCOPES.join(" or ")}, got "${v}"`);
  return v as ApiScope;
}

function rateLimitOf(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new Error(`--rate-limit must be a positive whole number of requests per minute, got "${v}"`);
  return n;
}

function row(k: ApiKeyInfo): string[] {
  return [k.id, k.name, k.scopes.join(","), k.rateLimit === undefined ? "-" : `${k.rateLimit}/min`, k.createdAt.slice(0, 19).replace("T", " "), k.revokedAt ? "revoked" : "active"];
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((c, j) => c.padEnd(widths[j])).join("  ").trimEnd()).join("\n");
}

/** Registers `ingot keys create|list|revoke`. */
export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("API keys for the prediction server");

  keys
    .command("create")
    .description("create an API key and print its token (shown only this once)")
    .requiredOption("--name <name>", "who or what uses the key, e.g. checkout-service")
    .requiredOption("--scope <scope>", "predict (call models) or admin (also change the registry)")
    .option("--rate-limit <n>", "this key's limit in requests per minute")
    .option("--root <dir>", "the registry folder", ".ingot")
    .option("--json", "print JSON")
    .action(async (opts: { name: string; scope: string; rateLimit?: string; root: string; json?: boolean }) => {
      const scope = scopeOf(opts.scope);
      const rateLimit = opts.rateLimit === undefined ? undefined : rateLimitOf(opts.rateLimit);
      const store = await openApiKeys(apiKeysPath(opts.root));
      const { id, token } = await store.create({ name: opts.name, scopes: [scope], ...(rateLimit !== undefined && { rateLimit }) });
      if (opts.json) {
        console.log(JSON.stringify({ id, name: opts.name, scopes: [scope], ...(rateLimit !== undefined && { rateLimit }), token }));
        return;
      }
      console.log(`created key ${id} ("${opts.name}", scope ${scope}${rateLimit === undefined ? "" : `, ${rateLimit} requests/min`})`);
      console.log(`token (shown only now; store it safely): ${token}`);
    });

  keys
    .command("list")
    .description("list API keys (never their tokens)")
    .option("--root <dir>", "the registry folder", ".ingot")
    .option("--json", "print JSON")
    .action(async (opts: { root: string; json?: boolean }) => {
      const list = await (await openApiKeys(apiKeysPath(opts.root))).list();
      if (opts.json) console.log(JSON.stringify(list));
      else if (!list.length) console.log("no API keys (create one: ingot keys create --name <n> --scope predict)");
      else console.log(table([["id", "name", "scopes", "rate limit", "created (UTC)", "status"], ...list.map(row)]));
    });

  keys
    .command("revoke <id>")
    .description("revoke an API key; running servers refuse it from their next request")
    .option("--root <dir>", "the registry folder", ".ingot")
    .action(async (id: string, opts: { root: string }) => {
      const k = await (await openApiKeys(apiKeysPath(opts.root))).revoke(id);
      console.log(`revoked key ${k.id} ("${k.name}")`);
    });
}
