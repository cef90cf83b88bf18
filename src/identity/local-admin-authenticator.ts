import { createHash, timingSafeEqual } from 'node:crypto';
import { LOCAL_PRINCIPAL } from '../core/principal.js';
import type { AuthResult, Authenticator } from './authenticator.js';

/** The prefix of a local-admin token, so other bearer tokens skip the comparison. */
export const LOCAL_ADMIN_TOKEN_PREFIX = 'umca_local_';

/**
 * The CLI beside a running `umca serve`: a request bearing the token the server wrote into
 * its state dir (readable by the state dir's owner only) is `user:local`, an admin, as the
 * CLI is on a state dir it opens itself. Every other request goes to the configured
 * authenticator unchanged.
 */
export class LocalAdminAuthenticator implements Authenticator {
  readonly #digest: Buffer;

  constructor(
    private readonly next: Authenticator,
    token: string,
  ) {
    this.#digest = createHash('sha256').update(token).digest();
  }

  async authenticate(authorization: string | undefined): Promise<AuthResult> {
    const token = /^Bearer (umca_local_\S+)$/.exec(authorization ?? '')?.[1];
    if (token !== undefined && timingSafeEqual(createHash('sha256').update(token).digest(), this.#digest)) return { ok: true, principal: LOCAL_PRINCIPAL };
    return this.next.authenticate(authorization);
  }
}
