import { draft } from '../core/events.js';
import type { Gate, GateContext, GateVerdict } from '../engine/gate.js';
import type { Principal } from '../identity/principal.js';
import { parseEgressRules } from '../sandbox/egress/egress-policy.js';
import type { Action, PolicyEngine, PolicyResource } from '../policy/policy-engine.js';
import { findInjectionMarkers, findSecrets } from './spec-content.js';

export interface IntakeInput {
  spec: string;
  principal: Principal;
  /** Every model reference the run will call (its model and the role models). */
  models: string[];
  /** The network its sandboxed jobs are granted. */
  egress: string[];
}

export interface G0Options {
  policy: PolicyEngine;
  /** Blocks when the lowest evaluator score is under it. */
  threshold: number;
}

type Evaluation = { id: string; score: number; reason: string };

/**
 * G0 intake: before anything runs, the principal may run; each model it will call, and
 * each egress destination it is granted, is allowed by policy (every question a
 * `policy.decision` event naming the policies that decided); and the spec carries no
 * secrets (refused) and is checked for prompt-injection markers (flagged: half a point).
 * The gate's score is its lowest evaluator's.
 */
export class G0IntakeGate implements Gate<IntakeInput> {
  readonly id = 'g0-intake';

  constructor(private readonly options: G0Options) {}

  async evaluate(input: IntakeInput, context: GateContext): Promise<GateVerdict> {
    const evaluations: Evaluation[] = [];
    const ask = async (id: string, action: Action, resource: PolicyResource) => {
      const decision = await this.options.policy.decide({ principal: input.principal, action, resource });
      context.emit(
        draft('policy.decision', `gate:${this.id}`, {
          step: `gate:${this.id}`,
          engine: this.options.policy.name,
          principal: input.principal.id,
          roles: [...input.principal.roles],
          action,
          resource: { type: resource.type, id: resource.id },
          decision: decision.allowed ? 'allow' : 'deny',
          policies: decision.policies,
        }),
      );
      const by = decision.policies.length ? `policy ${decision.policies.join(', ')}` : 'no policy permits it';
      evaluations.push({ id, score: decision.allowed ? 1 : 0, reason: `${input.principal.id} ${decision.allowed ? 'may' : 'may not'} ${action} ${resource.type} ${resource.id} (${by})` });
    };

    await ask('principal-may-run', 'run', { type: 'Run', id: context.runId, attrs: { owner: input.principal.id } });
    for (const model of [...new Set(input.models)]) await ask(`model:${model}`, 'use-model', { type: 'Model', id: model, attrs: { ref: model } });
    for (const rule of parseEgressRules(input.egress).rules) {
      const id = `${rule.host}:${rule.port ?? '*'}`;
      await ask(`egress:${id}`, 'egress', { type: 'Host', id, attrs: { host: rule.host, port: rule.port ?? 0 } });
    }

    const secrets = findSecrets(input.spec);
    evaluations.push(
      secrets.length
        ? { id: 'spec-secrets', score: 0, reason: `the spec holds ${secrets.map((s) => `${s.name} (line ${s.line})`).join(', ')}; remove secrets from specs — they are logged and sent to models` }
        : { id: 'spec-secrets', score: 1, reason: 'no secrets found in the spec' },
    );
    const markers = findInjectionMarkers(input.spec);
    evaluations.push(
      markers.length
        ? { id: 'spec-injection', score: 0.5, reason: `possible prompt injection: ${markers.map((m) => `${m.name} (line ${m.line})`).join(', ')}` }
        : { id: 'spec-injection', score: 1, reason: 'no prompt-injection markers found' },
    );

    const score = Math.min(...evaluations.map((e) => e.score));
    const blocked = score < this.options.threshold;
    const below = evaluations.filter((e) => e.score < 1).map((e) => e.reason);
    return {
      decision: blocked ? 'block' : 'pass',
      score,
      threshold: this.options.threshold,
      reasons: blocked ? evaluations.filter((e) => e.score < this.options.threshold).map((e) => e.reason) : below,
      evaluators: evaluations,
    };
  }
}
