import { request } from 'undici';
import { UmcaError } from '../../core/errors.js';
import type { PolicyDecision, PolicyEngine, PolicyRequest } from '../policy-engine.js';

export interface OpaSettings {
  /** The OPA server, e.g. `http://127.0.0.1:8181`. */
  url: string;
  /** The decision document under /v1/data, e.g. `umca/decision`. */
  path: string;
  timeoutMs: number;
}

/**
 * Asks an OPA server (its Data API: `POST /v1/data/<path>` with `{input}`), for teams that
 * already keep their policies in Rego. The document may be a boolean or
 * `{allow: boolean, policies?: string[]}`; an undefined document denies. An unreachable OPA
 * denies too and says so (503): a policy engine that cannot answer must not mean "allow".
 */
export class OpaPolicyEngine implements PolicyEngine {
  readonly name = 'opa';
  readonly #url: string;
  readonly #timeoutMs: number;

  constructor(settings: OpaSettings) {
    this.#url = `${settings.url.replace(/\/$/, '')}/v1/data/${settings.path.replace(/^\/|\/$/g, '')}`;
    this.#timeoutMs = settings.timeoutMs;
  }

  async decide(req: PolicyRequest): Promise<PolicyDecision> {
    const input = {
      principal: { id: req.principal.id, roles: req.principal.roles, via: req.principal.via },
      action: req.action,
      resource: { type: req.resource.type, id: req.resource.id, ...(req.resource.attrs ?? {}) },
    };
    let body: unknown;
    try {
      const answer = await request(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input }),
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      if (answer.statusCode !== 200) {
        await answer.body.dump();
        throw new Error(`answered ${answer.statusCode}`);
      }
      body = await answer.body.json();
    } catch (error) {
      throw new UmcaError('policy_unavailable', `the OPA policy engine at ${this.#url} could not decide: ${(error as Error).message}`, { status: 503, isRetryable: true, cause: error });
    }
    const result = (body as { result?: unknown }).result;
    if (typeof result === 'boolean') return { allowed: result, policies: [], errors: [] };
    if (result && typeof result === 'object') {
      const { allow, policies } = result as { allow?: unknown; policies?: unknown };
      return { allowed: allow === true, policies: Array.isArray(policies) ? policies.map(String) : [], errors: [] };
    }
    return { allowed: false, policies: [], errors: result === undefined ? ['the OPA decision document is undefined'] : ['the OPA decision is neither a boolean nor {allow}'] };
  }
}
