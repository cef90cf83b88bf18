import type { Findings } from '../agents/findings.js';
import type { Source } from '../agents/sources.js';
import type { Gate, GateVerdict } from '../engine/gate.js';
import { clip, listed, verdictOf, type Evaluation } from './evaluation.js';
import { createHash } from 'node:crypto';
import { contentWords, coverage, normalizeForQuote } from './text-overlap.js';

export interface ProvenanceInput {
  findings: Findings;
  sources: readonly Source[];
}

export interface G2Options {
  threshold: number;
}

/**
 * A citation supports its claim when its quote is really in the cited source and says what
 * the claim says: a third of the claim's content words are in the quote, or half the quote's
 * are in the claim ("strips accents" supports "slugify strips accents with NFD").
 */
const CLAIM_IN_QUOTE = 0.3;
const QUOTE_IN_CLAIM = 0.5;

/**
 * G2 research provenance: the facts the plan relies on carry citations, and each citation
 * holds. Three scores: the share of findings cited; whether every quote is really in the
 * source it names (word for word, whitespace and case aside: an invented quote or source
 * scores 0, it is not a near miss); and the share of the found quotes that support their
 * claims. Below the threshold it blocks.
 */
export class G2ProvenanceGate implements Gate<ProvenanceInput> {
  readonly id = 'g2-provenance';

  constructor(private readonly options: G2Options) {}

  async evaluate(input: ProvenanceInput): Promise<GateVerdict> {
    const findings = input.findings.findings;
    if (findings.length === 0) {
      return verdictOf([{ id: 'findings-cited', score: 1, reason: 'the research names no fact the plan relies on' }], this.options.threshold);
    }
    // A knowledge-base chunk carries the hash of its stored text: a quote is checked against that text only.
    const altered = new Set(input.sources.filter((s) => s.sha256 !== undefined && sha256Hex(s.content) !== s.sha256).map((s) => s.id));
    const sources = new Map(input.sources.filter((s) => !altered.has(s.id)).map((s) => [s.id, normalizeForQuote(s.content)]));
    const uncited = findings.filter((f) => f.citations.length === 0);
    const missing: string[] = [];
    const unsupported: string[] = [];
    let found = 0;
    for (const finding of findings) {
      for (const citation of finding.citations) {
        const absent = altered.has(citation.source) ? 'its text is not the text the knowledge base stored (sha256 differs)' : missingQuote(citation, sources);
        if (absent) {
          missing.push(`${finding.id} cites ${citation.source}: ${absent}`);
          continue;
        }
        found += 1;
        if (!supports(finding.claim, citation.quote)) unsupported.push(`${finding.id} cites ${citation.source}: the quote "${clip(citation.quote, 60)}" does not support "${clip(finding.claim, 60)}"`);
      }
    }
    const evaluations: Evaluation[] = [
      uncited.length
        ? { id: 'findings-cited', score: share(findings.length - uncited.length, findings.length), reason: `${uncited.length} of ${findings.length} findings cite nothing: ${listed(uncited.map((f) => `${f.id} "${clip(f.claim, 60)}"`))}` }
        : { id: 'findings-cited', score: 1, reason: `all ${findings.length} findings are cited` },
      missing.length
        ? { id: 'quotes-found', score: 0, reason: `${missing.length} citation${missing.length > 1 ? 's quote' : ' quotes'} what the source does not say: ${listed(missing)}` }
        : { id: 'quotes-found', score: 1, reason: found ? `all ${found} quotes are in their sources` : 'no citations to check' },
    ];
    if (found > 0) {
      evaluations.push(
        unsupported.length
          ? { id: 'citations-support', score: share(found - unsupported.length, found), reason: `${unsupported.length} of ${found} citations do not support their claims: ${listed(unsupported)}` }
          : { id: 'citations-support', score: 1, reason: `all ${found} citations support their claims` },
      );
    }
    return verdictOf(evaluations, this.options.threshold);
  }
}

function missingQuote(citation: { source: string; quote: string }, sources: Map<string, string>): string | undefined {
  const source = sources.get(citation.source);
  if (source === undefined) return `no such source (the run has ${[...sources.keys()].join(', ')})`;
  const quote = normalizeForQuote(citation.quote);
  if (quote.length < 3 || !source.includes(quote)) return `the quote "${clip(citation.quote, 60)}" is not in that source`;
  return undefined;
}

function supports(claim: string, quote: string): boolean {
  const claimWords = contentWords(claim);
  const quoteWords = contentWords(quote);
  return coverage(claimWords, quoteWords) >= CLAIM_IN_QUOTE || coverage(quoteWords, claimWords) >= QUOTE_IN_CLAIM;
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const share = (good: number, all: number) => Math.round((good / all) * 100) / 100;
