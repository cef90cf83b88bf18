import { decidedBy, decisionEvent } from '../policy/policy-decision.js';
import type { GateContext } from '../engine/gate.js';
import type { Principal } from '../core/principal.js';
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
  const request = { principal, action, resource };
  const decision = await policy.decide(request);
  context.emit(decisionEvent(`gate:${question.gate}`, context.step, policy.name, request, decision));
  return {
    id: question.id,
    score: decision.allowed ? 1 : 0,
    reason: `${principal.id} ${decision.allowed ? 'may' : 'may not'} ${action} ${resource.type} ${resource.id} (${decidedBy(decision)})`,
    hard: true,
  };
}
