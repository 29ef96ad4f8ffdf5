// The API token format: `ingot_<id>_<secret>`. The id finds the key record; only a SHA-256 hash of the
// secret is kept, so a leaked key file does not leak working tokens.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Every token starts with this, so leaked tokens are easy to spot (secret scanners, logs). */
export const TOKEN_PREFIX = "ingot_";

/** A key id: 16 lowercase hex digits (8 random bytes). */
const ID_PATTERN = /^[0-9a-f]{16}$/;

/** A whole token: prefix, id, and 32 random bytes as base64url (43 characters, which may include `_` and `-`). */
const TOKEN_PATTERN = /^ingot_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A fresh random key id. */
export function newKeyId(): string {
  return randomBytes(8).toString("hex");
}

/** Whether `id` has the shape of a key id. */
export function isKeyId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** A fresh secret: 32 random bytes, base64url. */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** The token handed to the user once. */
export function formatToken(id: string, secret: string): string {
  return `${TOKEN_PREFIX}${id}_${secret}`;
}

/** Splits a token into id and secret; null when it does not have the token shape. */
export function parseToken(token: string): { id: string; secret: string } | null {
  const m = TOKEN_PATTERN.exec(token);
  return m ? { id: m[1], secret: m[2] } : null;
}

/** The SHA-256 of a secret, hex: what the key file stores. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Compares a secret with a stored hash in time that does not depend on where they differ. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = createHash("sha256").update(secret, "utf8").digest();
  const b = Buffer.from(storedHash, "hex");
  // a malformed stored hash must still cost one comparison, and never match
  return b.length === a.length ? timingSafeEqual(a, b) : (timingSafeEqual(a, a), false);
}
