import { ForbiddenError, UnauthenticatedError } from '../core/errors.js';
import type { Action, PolicyDecision, PolicyEngine, PolicyResource } from '../policy/policy-engine.js';
import type { Authenticator } from './authenticator.js';
import type { Principal } from './principal.js';

export type { Action };

/**
 * Authenticates a request and asks the policy engine whether its principal may take an
 * action: 401 or 403, never more. The 403 names the action and the resource.
 */
export class AccessGuard {
  constructor(
    readonly authenticator: Authenticator,
    readonly policy: PolicyEngine,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const result = await this.authenticator.authenticate(authorization);
    if (!result.ok) throw new UnauthenticatedError(result.code, result.message);
    return result.principal;
  }

  /** The decision, for callers that record it. Throws ForbiddenError when denied. */
  async authorize(principal: Principal, action: Action, resource: PolicyResource): Promise<PolicyDecision> {
    const decision = await this.policy.decide({ principal, action, resource });
    if (!decision.allowed) {
      const held = principal.roles.length ? `roles: ${principal.roles.join(', ')}` : 'no umca role';
      // A forbid names itself; a plain deny is the absence of any permit.
      const why = decision.policies.length ? `denied by policy ${decision.policies.join(', ')}` : 'no policy permits it';
      throw new ForbiddenError(`${principal.id} may not ${action} ${resource.type} ${resource.id} (${held}; ${why})`);
    }
    return decision;
  }
}
