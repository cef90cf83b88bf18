import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { AuthFailureCode, AuthResult } from './authenticator.js';
import { isRole, type Role } from '../core/principal.js';

export interface OidcSettings {
  /** The `iss` every token must carry, e.g. `https://sso.example.com/realms/umca`. */
  issuer: string;
  /** The `aud` a token must include. */
  audience: string;
  /** Where the issuer publishes its keys; default: from its discovery document. */
  jwksUri?: string;
  /** Signature algorithms accepted; never `none`, never an HMAC with a public key. */
  algorithms: string[];
  /** Whose `resource_access.<client>.roles` count (Keycloak client roles). */
  clientId?: string;
  /** Seconds of clock skew tolerated on exp and nbf. */
  clockToleranceSeconds: number;
  /** Least time between two JWKS fetches, e.g. after an unknown `kid` (key rotation). */
  jwksCooldownMs?: number;
}

/**
 * OIDC bearer tokens (JWTs) verified against the issuer's JWKS with jose: issuer,
 * audience, expiry, not-before, an algorithm allow-list. Roles come from Keycloak's
 * `realm_access.roles` and `resource_access.<client>.roles` and from a plain `roles` claim;
 * `runner`, `operator`, `admin` count, as do the same names prefixed `umca-`.
 */
export class OidcAuthenticator {
  readonly #settings: OidcSettings;
  #jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  constructor(settings: OidcSettings) {
    this.#settings = settings;
  }

  /** Verifies a bare JWT (BearerAuthenticator takes it out of the header). */
  async verify(token: string): Promise<AuthResult> {
    let jwks: ReturnType<typeof createRemoteJWKSet>;
    try {
      jwks = await this.#keys();
    } catch (error) {
      this.#jwks = undefined;
      return fail('issuer_unreachable', `the issuer's keys could not be fetched: ${(error as Error).message}`);
    }
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: this.#settings.issuer,
        audience: this.#settings.audience,
        algorithms: this.#settings.algorithms,
        clockTolerance: this.#settings.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      });
      return { ok: true, principal: { id: `user:${payload.sub}`, roles: this.#roles(payload), via: 'oidc' } };
    } catch (error) {
      return describeFailure(error);
    }
  }

  #keys(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    this.#jwks ??= (async () => {
      const uri = this.#settings.jwksUri ?? (await discoverJwksUri(this.#settings.issuer));
      return createRemoteJWKSet(new URL(uri), { cooldownDuration: this.#settings.jwksCooldownMs ?? 30_000, timeoutDuration: 5_000 });
    })();
    return this.#jwks;
  }

  #roles(payload: JWTPayload): Role[] {
    const names = new Set<string>();
    const add = (value: unknown) => {
      if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') names.add(v);
      if (typeof value === 'string') for (const v of value.split(/\s+/)) if (v) names.add(v);
    };
    add((payload.realm_access as { roles?: unknown } | undefined)?.roles);
    const clients = payload.resource_access as Record<string, { roles?: unknown }> | undefined;
    if (this.#settings.clientId) add(clients?.[this.#settings.clientId]?.roles);
    add(payload.roles);
    const roles = new Set<Role>();
    for (const name of names) {
      const bare = name.startsWith('umca-') ? name.slice(5) : name;
      if (isRole(bare)) roles.add(bare);
    }
    return [...roles];
  }
}

async function discoverJwksUri(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const answer = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!answer.ok) throw new Error(`${url} answered ${answer.status}`);
  const document = (await answer.json()) as { jwks_uri?: unknown };
  if (typeof document.jwks_uri !== 'string') throw new Error(`${url} names no jwks_uri`);
  return document.jwks_uri;
}

function fail(code: AuthFailureCode, message: string): AuthResult {
  return { ok: false, code, message };
}

/** jose's errors, as the reason codes a 401 carries. */
function describeFailure(error: unknown): AuthResult {
  if (error instanceof errors.JWTExpired) return fail('token_expired', 'the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return fail('token_not_yet_valid', 'the token is not valid yet (nbf)');
    if (error.claim === 'iss') return fail('wrong_issuer', 'the token was issued by another issuer');
    if (error.claim === 'aud') return fail('wrong_audience', 'the token is not meant for this audience');
    return fail('malformed_token', `the token's "${error.claim}" claim is invalid: ${error.reason}`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return fail('algorithm_not_allowed', 'the token is signed with an algorithm this server does not accept');
  if (error instanceof errors.JWKSNoMatchingKey) return fail('unknown_key', "no key of the issuer matches the token's kid");
  if (error instanceof errors.JWSSignatureVerificationFailed) return fail('bad_signature', "the token's signature does not verify");
  if (error instanceof errors.JWKSTimeout) return fail('issuer_unreachable', "the issuer's keys could not be fetched in time");
  if (error instanceof errors.JOSEError) return fail('malformed_token', `the token is malformed (${error.code})`);
  return fail('malformed_token', 'the token is malformed');
}
