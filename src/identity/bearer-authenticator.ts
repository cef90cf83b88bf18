import type { AuthResult, Authenticator } from './authenticator.js';
import { ApiKeyAuthenticator, isApiKeyToken } from './api-key-authenticator.js';
import type { OidcAuthenticator } from './oidc-authenticator.js';

/** Bearer tokens of either kind: umca API keys, else OIDC JWTs when an issuer is configured. */
export class BearerAuthenticator implements Authenticator {
  constructor(
    private readonly apiKeys: ApiKeyAuthenticator,
    private readonly oidc: OidcAuthenticator | undefined,
  ) {}

  async authenticate(authorization: string | undefined): Promise<AuthResult> {
    if (!authorization) return { ok: false, code: 'missing_token', message: 'no bearer token (Authorization: Bearer <API key or OIDC token>)' };
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!token) return { ok: false, code: 'malformed_token', message: 'the Authorization header is not "Bearer <token>"' };
    if (isApiKeyToken(token)) return this.apiKeys.verify(token);
    if (this.oidc) return this.oidc.verify(token);
    return { ok: false, code: 'invalid_api_key', message: 'not a umca API key, and no OIDC issuer is configured (auth.oidc)' };
  }
}
