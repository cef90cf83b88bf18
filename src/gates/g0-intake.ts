import { runtimeResource } from '../policy/runtime-resource.js';
import type { RuntimePreference } from '../core/run-options.js';
import type { Gate, GateContext, GateVerdict } from '../engine/gate.js';
import type { Principal } from '../core/principal.js';
import type { PolicyEngine } from '../policy/policy-engine.js';
import type { ToolSet } from '../tools/tool.js';
import { parseEgressRules } from '../core/egress-rules.js';
import { askPolicy } from './ask-policy.js';
import { verdictOf, type Evaluation } from './evaluation.js';
import { findInjectionMarkers, findSecrets } from './spec-content.js';

export interface IntakeInput {
  spec: string;
  principal: Principal;
  /** Every model reference the run will call (its model and the role models). */
  models: string[];
  /** The network its sandboxed jobs are granted. */
  egress: string[];
  /** The runtime the run asked for; `process` (or any egress, which needs it) asks policy for the process lane. */
  runtime?: RuntimePreference;
  /** Tools the run's agents may call (`server.tool`). */
  tools?: string[];
}

export interface G0Options {
  policy: PolicyEngine;
  /** Blocks when the lowest evaluator score is under it; policy denials block at any threshold. */
  threshold: number;
  /** The tools there are, to refuse a run that names one that is not. */
  tools?: ToolSet;
}

/**
 * G0 intake: before anything runs, the principal may run; each model it will call, each tool,
 * the process lane if it needs one, and each egress destination it is granted are allowed by
 * policy (every question a `policy.decision` event naming the policies that decided; a denial
 * blocks); and the spec carries no secrets (refused) and is checked for prompt-injection
 * markers (flagged: half a point). The gate's score is its lowest evaluator's.
 */
export class G0IntakeGate implements Gate<IntakeInput> {
  readonly id = 'g0-intake';

  constructor(private readonly options: G0Options) {}

  async evaluate(input: IntakeInput, context: GateContext): Promise<GateVerdict> {
    const { policy } = this.options;
    const principal = input.principal;
    const ask = (id: string, action: Parameters<typeof askPolicy>[2]['action'], resource: Parameters<typeof askPolicy>[2]['resource']) =>
      askPolicy(policy, context, { gate: this.id, id, principal, action, resource });

    const evaluations: Evaluation[] = [];
    evaluations.push(await ask('principal-may-run', 'run', { type: 'Run', id: context.runId, attrs: { owner: principal.id } }));
    for (const model of [...new Set(input.models)]) evaluations.push(await ask(`model:${model}`, 'use-model', { type: 'Model', id: model, attrs: { ref: model } }));
    if (input.tools?.length && this.options.tools) await this.options.tools.start();
    for (const tool of [...new Set(input.tools ?? [])]) {
      const known = this.options.tools?.get(tool);
      if (this.options.tools && !known) {
        const names = this.options.tools.list().map((t) => t.name);
        evaluations.push({ id: `tool:${tool}`, score: 0, hard: true, reason: `no tool named ${tool} (the configured MCP servers offer ${names.length ? names.join(', ') : 'none'})` });
        continue;
      }
      evaluations.push(await ask(`tool:${tool}`, 'use-tool', { type: 'Tool', id: tool, attrs: { server: known?.server ?? tool.split('.')[0]! } }));
    }
    const rules = parseEgressRules(input.egress).rules;
    const lane = input.runtime === 'gvisor' ? 'gvisor' : 'process';
    if (input.runtime === 'process' || input.runtime === 'gvisor' || rules.length > 0) evaluations.push(await ask(`runtime:${lane}`, 'use-runtime', runtimeResource(lane)));
    for (const rule of rules) {
      const id = `${rule.host}:${rule.port ?? '*'}`;
      evaluations.push(await ask(`egress:${id}`, 'egress', { type: 'Host', id, attrs: { host: rule.host, port: rule.port ?? 0 } }));
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
    return verdictOf(evaluations, this.options.threshold);
  }
}
