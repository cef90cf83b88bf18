import { ForbiddenError } from '../core/errors.js';
import { draft, type EventDraft } from '../core/events.js';
import type { PolicyDecision, PolicyRequest } from './policy-engine.js';

/** The policies behind a decision, in words: `policy a, b`, or that nothing permitted it. */
export function decidedBy(decision: PolicyDecision): string {
  return decision.policies.length ? `policy ${decision.policies.join(', ')}` : 'no policy permits it';
}

/** A decision as the `policy.decision` event a run's log keeps. */
export function decisionEvent(actor: string, step: string, engine: string, request: PolicyRequest, decision: PolicyDecision): EventDraft {
  const { principal, action, resource } = request;
  return draft('policy.decision', actor, {
    step,
    engine,
    principal: principal.id,
    roles: [...principal.roles],
    action,
    resource: { type: resource.type, id: resource.id },
    decision: decision.allowed ? 'allow' : 'deny',
    policies: decision.policies,
  });
}

/** The 403 for a denial: the action, the resource, the caller's roles, and why (a forbid names itself). */
export function forbidden(request: PolicyRequest, decision: PolicyDecision): ForbiddenError {
  const { principal, action, resource } = request;
  const held = principal.roles.length ? `roles: ${principal.roles.join(', ')}` : 'no umca role';
  const why = decision.policies.length ? `denied by ${decidedBy(decision)}` : decidedBy(decision);
  return new ForbiddenError(`${principal.id} may not ${action} ${resource.type} ${resource.id} (${held}; ${why})`);
}
