import { draft } from '../core/events.js';
import type { GateContext } from '../engine/gate.js';
import type { Principal } from '../identity/principal.js';
import type { Action, PolicyEngine, PolicyResource } from '../policy/policy-engine.js';
import type { Evaluation } from './evaluation.js';

/**
 * Asks the policy engine one question for a gate, records it as a `policy.decision` event
 * (principal, action, resource, the deciding policies) and returns it as a hard evaluation:
 * a denial blocks whatever the gate's threshold.
 */
export async function askPolicy(
  policy: PolicyEngine,
  context: GateContext,
  question: { gate: string; id: string; principal: Principal; action: Action; resource: PolicyResource },
): Promise<Evaluation> {
  const { principal, action, resource } = question;
  const decision = await policy.decide({ principal, action, resource });
  context.emit(
    draft('policy.decision', `gate:${question.gate}`, {
      step: context.step,
      engine: policy.name,
      principal: principal.id,
      roles: [...principal.roles],
      action,
      resource: { type: resource.type, id: resource.id },
      decision: decision.allowed ? 'allow' : 'deny',
      policies: decision.policies,
    }),
  );
  const by = decision.policies.length ? `policy ${decision.policies.join(', ')}` : 'no policy permits it';
  return {
    id: question.id,
    score: decision.allowed ? 1 : 0,
    reason: `${principal.id} ${decision.allowed ? 'may' : 'may not'} ${action} ${resource.type} ${resource.id} (${by})`,
    hard: true,
  };
}
