import { ForbiddenError, UnauthenticatedError } from '../core/errors.js';
import type { Authenticator } from './authenticator.js';
import { hasRole, type Principal, type Role } from './principal.js';

/** What a caller can ask umca to do. Each route, tool and CLI action against a server names one. */
export type Action = 'run' | 'read-run' | 'cancel-run' | 'use-model' | 'use-tool' | 'use-runtime' | 'egress' | 'override-gate' | 'read-usage' | 'admin';

/** The least role each action needs. */
export const ACTION_ROLE: Readonly<Record<Action, Role>> = {
  run: 'runner',
  'read-run': 'runner',
  'cancel-run': 'runner',
  'use-model': 'runner',
  'use-tool': 'runner',
  'use-runtime': 'runner',
  egress: 'operator',
  'override-gate': 'operator',
  'read-usage': 'operator',
  admin: 'admin',
};

/** Authenticates a request and checks its principal may take an action: 401 or 403, never more. */
export class AccessGuard {
  constructor(readonly authenticator: Authenticator) {}

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const result = await this.authenticator.authenticate(authorization);
    if (!result.ok) throw new UnauthenticatedError(result.code, result.message);
    return result.principal;
  }

  authorize(principal: Principal, action: Action): void {
    const role = ACTION_ROLE[action];
    if (!hasRole(principal, role)) {
      const held = principal.roles.length ? `roles: ${principal.roles.join(', ')}` : 'no umca role';
      throw new ForbiddenError(`${principal.id} may not ${action}: it needs the ${role} role (${held})`);
    }
  }

  async check(authorization: string | undefined, action: Action): Promise<Principal> {
    const principal = await this.authenticate(authorization);
    this.authorize(principal, action);
    return principal;
  }
}
