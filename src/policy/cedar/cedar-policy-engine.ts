import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { ConfigError } from '../../core/errors.js';
import { ROLES, type Principal } from '../../core/principal.js';
import type { PolicyDecision, PolicyEngine, PolicyRequest } from '../policy-engine.js';
import { SHIPPED_POLICY_DIR } from '../shipped-policies.js';

const SCHEMA_FILE = 'umca.cedarschema';

/** Role entities, each a member of the role below it: admin ∈ operator ∈ runner. */
const ROLE_ENTITIES: cedar.EntityJson[] = ROLES.map((role, i) => ({
  uid: { type: 'Umca::Role', id: role },
  attrs: {},
  parents: i === 0 ? [] : [{ type: 'Umca::Role', id: ROLES[i - 1]! }],
}));

let loaded = 0;

/**
 * Cedar, embedded (`@cedar-policy/cedar-wasm`): the policies in a directory's `*.cedar`
 * files, parsed and validated against `policies/umca.cedarschema` once, at start-up, then
 * kept pre-parsed inside the WebAssembly module, so a decision costs a fraction of a
 * millisecond. A file that does not parse or validate stops start-up, naming file and line.
 * Each policy is named by its `@id("...")` annotation (else `<file>#<n>`).
 */
export class CedarPolicyEngine implements PolicyEngine {
  readonly name = 'cedar';
  readonly policyIds: readonly string[];
  readonly #setId: string;
  readonly #schemaName: string;

  private constructor(policyIds: string[], setId: string, schemaName: string) {
    this.policyIds = policyIds;
    this.#setId = setId;
    this.#schemaName = schemaName;
  }

  /** Loads every `*.cedar` file in `dir` (default: the shipped policies). Throws ConfigError naming file:line. */
  static load(dir: string = SHIPPED_POLICY_DIR): CedarPolicyEngine {
    const schema = readFileSync(join(SHIPPED_POLICY_DIR, SCHEMA_FILE), 'utf8');
    const schemaCheck = cedar.checkParseSchema(schema);
    if (schemaCheck.type === 'failure') throw new ConfigError(`${join(SHIPPED_POLICY_DIR, SCHEMA_FILE)}: ${schemaCheck.errors[0]?.message ?? 'does not parse'}`);

    let files: string[];
    try {
      files = readdirSync(dir).filter((name) => name.endsWith('.cedar')).sort();
    } catch (error) {
      throw new ConfigError(`policy.dir: cannot read ${dir}: ${(error as Error).message}`);
    }
    if (files.length === 0) throw new ConfigError(`policy.dir: ${dir} holds no .cedar files; with no policy, every action would be denied`);

    const staticPolicies: Record<string, string> = {};
    const origin = new Map<string, { file: string; text: string; offset: number }>();
    for (const name of files) {
      const file = join(dir, name);
      const text = readFileSync(file, 'utf8');
      const parts = cedar.policySetTextToParts(text);
      if (parts.type === 'failure') throw new ConfigError(describe(file, text, 0, parts.errors[0]));
      let searchFrom = 0;
      parts.policies.forEach((policy, index) => {
        const id = /@id\s*\(\s*"([^"]+)"\s*\)/.exec(policy)?.[1] ?? `${basename(name, '.cedar')}#${index + 1}`;
        if (origin.has(id)) throw new ConfigError(`${file}: policy id "${id}" is also used in ${origin.get(id)!.file}`);
        const offset = Math.max(0, locate(text, policy, searchFrom));
        searchFrom = offset + 1;
        staticPolicies[id] = policy;
        origin.set(id, { file, text, offset });
      });
    }

    const validation = cedar.validate({ schema, policies: { staticPolicies }, validationSettings: { mode: 'strict' } });
    if (validation.type === 'failure') throw new ConfigError(`policies in ${dir}: ${validation.errors[0]?.message ?? 'do not validate'}`);
    const invalid = validation.validationErrors[0];
    if (invalid) {
      const where = origin.get(invalid.policyId)!;
      throw new ConfigError(describe(where.file, where.text, where.offset, invalid.error, `policy "${invalid.policyId}" does not match the schema`));
    }

    loaded += 1;
    const setId = `umca-policies-${loaded}`;
    const schemaName = `umca-schema-${loaded}`;
    const parsedSchema = cedar.preparseSchema(schemaName, schema);
    const parsedSet = cedar.preparsePolicySet(setId, { staticPolicies });
    if (parsedSchema.type === 'failure' || parsedSet.type === 'failure') throw new ConfigError(`policies in ${dir} could not be prepared for evaluation`);
    return new CedarPolicyEngine(Object.keys(staticPolicies), setId, schemaName);
  }

  async decide(request: PolicyRequest): Promise<PolicyDecision> {
    return this.decideNow(request);
  }

  /** The same decision, synchronously (Cedar evaluates in-process). */
  decideNow(request: PolicyRequest): PolicyDecision {
    const principal = principalEntity(request.principal);
    const resource = { type: `Umca::${request.resource.type}`, id: request.resource.id };
    const answer = cedar.statefulIsAuthorized({
      principal: principal.uid as cedar.EntityUid,
      action: { type: 'Umca::Action', id: request.action },
      resource,
      context: {},
      preparsedPolicySetId: this.#setId,
      preparsedSchemaName: this.#schemaName,
      validateRequest: true,
      entities: [...ROLE_ENTITIES, principal, { uid: resource, attrs: (request.resource.attrs ?? {}) as Record<string, cedar.CedarValueJson>, parents: [] }],
    });
    if (answer.type === 'failure') return { allowed: false, policies: [], errors: answer.errors.map((e) => e.message) };
    const { decision, diagnostics } = answer.response;
    // Sorted: Cedar returns a set, and the log must read the same for the same decision.
    return { allowed: decision === 'allow', policies: [...diagnostics.reason].sort(), errors: diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`) };
  }
}

function principalEntity(principal: Principal): cedar.EntityJson {
  const [kind, ...rest] = principal.id.split(':');
  return {
    uid: { type: kind === 'key' ? 'Umca::ApiKey' : 'Umca::User', id: rest.join(':') || principal.id },
    attrs: { id: principal.id },
    parents: principal.roles.map((role) => ({ type: 'Umca::Role', id: role })),
  };
}

/** Where a policy's text starts in its file (parts come back as written, modulo surrounding whitespace). */
function locate(text: string, policy: string, from: number): number {
  const exact = text.indexOf(policy, from);
  if (exact >= 0) return exact;
  const head = policy.trim().slice(0, 40);
  return text.indexOf(head, from);
}

/** `file:line:col: message (help)`, from an error's first source location. */
function describe(file: string, text: string, baseOffset: number, error: cedar.DetailedError | undefined, lead?: string): string {
  const at = error?.sourceLocations?.[0];
  let where = file;
  if (at) {
    const before = text.slice(0, baseOffset + at.start);
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    where = `${file}:${line}:${column}`;
  }
  const detail = [error?.message, at?.label, error?.help].filter(Boolean).join('; ');
  return `${where}: ${lead ? `${lead}: ` : ''}${detail || 'invalid policy'}`;
}
