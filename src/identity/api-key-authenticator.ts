import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyStore } from '../store/api-key-store.js';
import type { AuthResult } from './authenticator.js';
import { isRole, type Role } from '../core/principal.js';

const KEY = /^umca_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A new key: the id is public, the secret is shown once and stored only as its SHA-256. */
export function newApiKey(): { id: string; secret: string; token: string; secretSha256: string } {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `umca_${id}_${secret}`, secretSha256: sha256(secret) };
}

export function isApiKeyToken(token: string): boolean {
  return token.startsWith('umca_');
}

/** API keys (`umca_<id>_<secret>`) checked against their stored hash; revoked keys fail. */
export class ApiKeyAuthenticator {
  constructor(private readonly store: Pick<ApiKeyStore, 'getApiKey'>) {}

  /** Verifies a bare key (BearerAuthenticator takes it out of the header). */
  async verify(token: string): Promise<AuthResult> {
    const match = KEY.exec(token);
    if (!match) return { ok: false, code: 'invalid_api_key', message: 'the API key is malformed' };
    const record = await this.store.getApiKey(match[1]!);
    const expected = Buffer.from(record?.secretSha256 ?? '0'.repeat(64), 'hex');
    const given = Buffer.from(sha256(match[2]!), 'hex');
    if (!record || !timingSafeEqual(expected, given)) return { ok: false, code: 'invalid_api_key', message: 'the API key is not valid' };
    if (record.revoked_at) return { ok: false, code: 'revoked_api_key', message: `the API key ${record.id} was revoked` };
    const roles: Role[] = isRole(record.role) ? [record.role] : [];
    return { ok: true, principal: { id: `key:${record.id}`, roles, via: 'api-key' } };
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
