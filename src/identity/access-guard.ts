import { UnauthenticatedError } from '../core/errors.js';
import { forbidden } from '../policy/policy-decision.js';
import type { Action, PolicyDecision, PolicyEngine, PolicyResource } from '../policy/policy-engine.js';
import type { Authenticator } from './authenticator.js';
import type { Principal } from '../core/principal.js';

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

  /**
   * Which runs a principal may list and read: every run (`{}`), or only those it started
   * (`{ owner }`, as the shipped policy gives runners). Throws ForbiddenError when neither.
   */
  async readableRuns(principal: Principal): Promise<{ owner?: string }> {
    const any = await this.policy.decide({ principal, action: 'read-run', resource: { type: 'Run', id: '*', attrs: { owner: '' } } });
    if (any.allowed) return {};
    await this.authorize(principal, 'read-run', { type: 'Run', id: '*', attrs: { owner: principal.id } });
    return { owner: principal.id };
  }

  /** The decision, for callers that record it. Throws ForbiddenError when denied. */
  async authorize(principal: Principal, action: Action, resource: PolicyResource): Promise<PolicyDecision> {
    const request = { principal, action, resource };
    const decision = await this.policy.decide(request);
    if (!decision.allowed) throw forbidden(request, decision);
    return decision;
  }
}
