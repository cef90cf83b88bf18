import { parseEgressRules } from '../core/egress-rules.js';
import { InvalidRequestError } from '../core/errors.js';
import { REFERENCE_NAME, type RunOptions } from '../core/run-options.js';

export interface RunInputLimits {
  specMaxChars: number;
  /** The reference documents one run may carry, all together. */
  referencesMaxChars: number;
}

/**
 * A new run's spec and options as the engine accepts them, or a 400 naming the field:
 * the caller's mistakes are refused before anything is stored. Returns the spec trimmed and
 * the options with their defaults.
 */
export function checkRunInput(input: { spec: string; options?: Partial<RunOptions> }, limits: RunInputLimits): { spec: string; options: RunOptions } {
  const spec = input.spec.trim();
  if (!spec) throw new InvalidRequestError('spec must not be empty', 'spec_missing');
  if (spec.includes('\u0000')) throw new InvalidRequestError('spec must not contain NUL characters', 'spec_invalid');
  if (spec.length > limits.specMaxChars) throw new InvalidRequestError(`spec is ${spec.length} characters; the limit is ${limits.specMaxChars}`, 'spec_too_long');
  return { spec, options: checkOptions(input.options ?? {}, limits.referencesMaxChars) };
}

function checkOptions(input: Partial<RunOptions>, referencesMaxChars: number): RunOptions {
  const runtime = input.runtime ?? 'auto';
  const references = input.references ?? [];
  const names = new Set<string>();
  let total = 0;
  for (const [index, reference] of references.entries()) {
    const field = `references[${index}]`;
    if (!REFERENCE_NAME.test(reference.name)) throw new InvalidRequestError(`${field}.name: use letters, digits, ".", "_" or "-" (at most 100), starting with a letter or digit`, 'reference_invalid', `${field}.name`);
    if (names.has(reference.name)) throw new InvalidRequestError(`${field}.name: "${reference.name}" is given twice`, 'reference_invalid', `${field}.name`);
    if (!reference.content.trim() || reference.content.includes('\u0000')) throw new InvalidRequestError(`${field}.content: must be non-empty text without NUL characters`, 'reference_invalid', `${field}.content`);
    names.add(reference.name);
    total += reference.content.length;
  }
  if (total > referencesMaxChars) throw new InvalidRequestError(`references hold ${total} characters; the limit is ${referencesMaxChars}`, 'references_too_long', 'references');
  const hosts = input.allowedOutboundHosts;
  if (hosts) {
    const { error } = parseEgressRules(hosts);
    if (error) throw new InvalidRequestError(`allowed_outbound_hosts: ${error}`, 'egress_invalid', 'allowed_outbound_hosts');
    if (runtime === 'wasm' && hosts.length > 0) throw new InvalidRequestError('allowed_outbound_hosts needs the process lane; a run with runtime "wasm" has no network', 'options_conflict', 'runtime');
  }
  if (input.repo && runtime === 'wasm') throw new InvalidRequestError("a repository's own test command needs the process lane; a run with runtime \"wasm\" cannot run it", 'options_conflict', 'runtime');
  const tools = input.tools;
  if (tools?.some((name) => !/^[a-z0-9][a-z0-9_-]*\.[^\s]+$/.test(name))) throw new InvalidRequestError('tools: name each tool as server.tool', 'tools_invalid', 'tools');
  const knowledgeBases = input.knowledgeBases;
  if (knowledgeBases?.some((name) => !/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name))) throw new InvalidRequestError('kb: name each knowledge base as umca kb list shows it', 'invalid_request', 'kb');
  return {
    runtime, references, ...(hosts ? { allowedOutboundHosts: hosts } : {}), ...(tools ? { tools } : {}), ...(knowledgeBases?.length ? { knowledgeBases: [...new Set(knowledgeBases)] } : {}),
    ...(input.ingest ? { ingest: input.ingest } : {}),
    ...(input.repo ? { repo: input.repo } : {}),
  };
}
