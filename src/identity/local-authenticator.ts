import type { AuthResult, Authenticator } from './authenticator.js';
import { LOCAL_PRINCIPAL } from '../core/principal.js';

/**
 * No authentication: every caller is `user:local`, an admin. Only for a server bound to
 * loopback, where the caller is on this machine (`checkLocalMode` enforces it at start).
 */
export class LocalAuthenticator implements Authenticator {
  async authenticate(): Promise<AuthResult> {
    return { ok: true, principal: LOCAL_PRINCIPAL };
  }
}

/** Loopback hosts `auth.mode: local` may bind to. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
