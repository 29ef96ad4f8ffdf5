// API keys: the key file store and the token format.
export { API_SCOPES, ApiKeyStore, apiKeysPath, hasScope, openApiKeys, type ApiKeyInfo, type CreateApiKeyOptions, type VerifyResult } from "./api-keys.js";
export { TOKEN_PREFIX, parseToken } from "./tokens.js";
