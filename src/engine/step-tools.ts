import { draft, type EventDraft } from '../core/events.js';
import type { ToolCall, ToolDefinition } from '../gateway/model-provider.js';
import type { Principal } from '../core/principal.js';
import type { PolicyEngine } from '../policy/policy-engine.js';
import { decidedBy, decisionEvent } from '../policy/policy-decision.js';
import type { Tool, ToolOutput, ToolSet } from '../tools/tool.js';
import { ToolError } from '../tools/tool-error.js';
import type { ToolCallOutcome } from './step-scope.js';

export interface StepToolsDeps {
  step: string;
  principal: Principal;
  tools: ToolSet | undefined;
  policy: PolicyEngine | undefined;
  /** The run's own list of tools (`server.tool`); undefined: every tool. */
  allowed: readonly string[] | undefined;
  /** Tools the run brings by its own options (its knowledge bases' search), beside the ToolSet's and not limited by `allowed`. */
  builtIn?: readonly Tool[];
  callTimeoutMs: number;
  signal: AbortSignal;
  emit(event: EventDraft): void;
}

const RECORDED = 16 * 1024;
/** What a model is shown of one result; more is cut, and the cut is said. */
const SHOWN = 32 * 1024;

/** Names a model may call: OpenAI-style function names allow letters, digits, `_` and `-` only. */
export function modelToolName(name: string): string {
  return name.replace(/\./, '__').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

/**
 * One agent step's tool calls: which tools it offers, and each call's way through policy,
 * the tool and the log. Call ids are `<step>:<n>`, unique in the run, so a result can be cited
 * as `tool:<call id>`.
 */
export class StepTools {
  readonly #deps: StepToolsDeps;
  #calls = 0;

  constructor(deps: StepToolsDeps) {
    this.#deps = deps;
  }

  async definitions(): Promise<ToolDefinition[]> {
    const { tools, allowed, builtIn = [] } = this.#deps;
    await tools?.start();
    const external = (tools?.list() ?? []).filter((tool) => allowed === undefined || allowed.includes(tool.name));
    return [...builtIn, ...external]
      .filter((tool) => tool.availability().available)
      .map((tool) => ({ name: modelToolName(tool.name), description: `${tool.description} (tool ${tool.name})`, parameters: tool.inputSchema }));
  }

  async call(call: ToolCall): Promise<ToolCallOutcome> {
    const { step, principal, emit } = this.#deps;
    this.#calls += 1;
    const callId = `${step}:${this.#calls}`;
    const tool = this.#find(call.name);
    const name = tool?.name ?? call.name;
    emit(draft('tool.call', `agent:${step}`, { step, call_id: callId, tool: name, server: tool?.server ?? '', arguments: call.arguments.slice(0, RECORDED) }));
    const started = performance.now();
    const finish = (status: 'ok' | 'error' | 'denied' | 'unavailable' | 'timeout' | 'too_large' | 'invalid_arguments', content: string, sizeBytes = 0, passages?: ToolOutput['sources']): ToolCallOutcome => {
      emit(draft('tool.result', `tool:${name}`, { step, call_id: callId, tool: name, status, duration_ms: Math.round((performance.now() - started) * 100) / 100, size_bytes: sizeBytes, content: content.slice(0, RECORDED) }));
      const shown = content.length > SHOWN ? `${content.slice(0, SHOWN)}\n[… ${content.length - SHOWN} more characters not shown]` : content;
      // A result made of named passages is cited by theirs (its text tags each); any other by the call's id.
      if (status === 'ok' && passages) return { text: shown, sources: passages };
      if (status === 'ok') return { text: `[source tool:${callId}]\n${shown}`, sources: [{ id: `tool:${callId}`, content }] };
      return { text: `ERROR (${status}): ${shown}` };
    };

    if (!tool) return finish('error', `no tool named ${call.name}; the tools offered are the only ones there are`);
    const builtIn = this.#deps.builtIn?.includes(tool) ?? false;
    if (!builtIn && this.#deps.allowed !== undefined && !this.#deps.allowed.includes(tool.name)) return finish('denied', `${tool.name} is not among this run's tools (${this.#deps.allowed.join(', ') || 'none'})`);
    const decision = await this.#decide(tool);
    if (!decision.allowed) return finish('denied', `refused by policy: ${principal.id} may not use-tool Tool ${tool.name} (${decidedBy(decision)})`);
    let args: Record<string, unknown>;
    try {
      const parsed = JSON.parse(call.arguments || '{}') as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the arguments must be a JSON object');
      args = parsed as Record<string, unknown>;
    } catch (error) {
      return finish('invalid_arguments', `the arguments are not a JSON object: ${(error as Error).message}`);
    }
    try {
      const output = await tool.call(args, { signal: this.#deps.signal, timeoutMs: this.#deps.callTimeoutMs });
      return finish(output.isError ? 'error' : 'ok', output.text, output.sizeBytes, output.sources);
    } catch (error) {
      if (error instanceof ToolError) return finish(error.code === 'error' ? 'error' : error.code, error.message);
      if (this.#deps.signal.aborted) throw error;
      return finish('error', (error as Error).message);
    }
  }

  #find(name: string): Tool | undefined {
    const all = [...(this.#deps.builtIn ?? []), ...(this.#deps.tools?.list() ?? [])];
    return all.find((tool) => tool.name === name) ?? all.find((tool) => modelToolName(tool.name) === name);
  }

  async #decide(tool: Tool) {
    const { policy, principal, step, emit } = this.#deps;
    if (!policy) return { allowed: true, policies: [], errors: [] };
    const request = { principal, action: 'use-tool' as const, resource: { type: 'Tool' as const, id: tool.name, attrs: { server: tool.server } } };
    const decision = await policy.decide(request);
    emit(decisionEvent(`tool:${tool.name}`, step, policy.name, request, decision));
    return decision;
  }
}
