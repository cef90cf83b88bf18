import type { Principal } from '../core/principal.js';

/** Why a request was not authenticated: the `code` of the 401 body. */
export type AuthFailureCode =
  | 'missing_token'
  | 'malformed_token'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'bad_signature'
  | 'no_roles'
  | 'invalid_api_key'
  | 'revoked_api_key'
  | 'issuer_unreachable';

export type AuthResult = { ok: true; principal: Principal } | { ok: false; code: AuthFailureCode; message: string };

/** Turns a request's `Authorization` header into a principal, or says why not. MUST NOT throw. */
export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<AuthResult>;
}
