import type { Findings } from '../agents/findings.js';
import type { Source } from '../agents/sources.js';
import type { Gate, GateVerdict } from '../engine/gate.js';
import { clip, listed, verdictOf, type Evaluation } from './evaluation.js';
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
 * holds — its source exists, its quote is in that source word for word (whitespace and case
 * aside), and the quote supports the claim. Two scores: the share of findings cited, and the
 * share of citations that hold; below the threshold it blocks.
 */
export class G2ProvenanceGate implements Gate<ProvenanceInput> {
  readonly id = 'g2-provenance';

  constructor(private readonly options: G2Options) {}

  async evaluate(input: ProvenanceInput): Promise<GateVerdict> {
    const findings = input.findings.findings;
    if (findings.length === 0) {
      return verdictOf([{ id: 'findings-cited', score: 1, reason: 'the research names no fact the plan relies on' }], this.options.threshold);
    }
    const sources = new Map(input.sources.map((s) => [s.id, normalizeForQuote(s.content)]));
    const uncited = findings.filter((f) => f.citations.length === 0);
    const broken: string[] = [];
    let citations = 0;
    for (const finding of findings) {
      for (const citation of finding.citations) {
        citations += 1;
        const problem = checkCitation(finding.claim, citation, sources);
        if (problem) broken.push(`${finding.id} cites ${citation.source}: ${problem}`);
      }
    }
    const evaluations: Evaluation[] = [
      uncited.length
        ? { id: 'findings-cited', score: share(findings.length - uncited.length, findings.length), reason: `${uncited.length} of ${findings.length} findings cite nothing: ${listed(uncited.map((f) => `${f.id} "${clip(f.claim, 60)}"`))}` }
        : { id: 'findings-cited', score: 1, reason: `all ${findings.length} findings are cited` },
      broken.length
        ? { id: 'citations-hold', score: share(citations - broken.length, citations), reason: `${broken.length} of ${citations} citations do not hold: ${listed(broken)}` }
        : { id: 'citations-hold', score: 1, reason: citations ? `all ${citations} citations are found in their sources and support their claims` : 'no citations to check' },
    ];
    return verdictOf(evaluations, this.options.threshold);
  }
}

function checkCitation(claim: string, citation: { source: string; quote: string }, sources: Map<string, string>): string | undefined {
  const source = sources.get(citation.source);
  if (source === undefined) return `no such source (the run has ${[...sources.keys()].join(', ')})`;
  const quote = normalizeForQuote(citation.quote);
  if (quote.length < 3 || !source.includes(quote)) return `the quote "${clip(citation.quote, 60)}" is not in that source`;
  const claimWords = contentWords(claim);
  const quoteWords = contentWords(citation.quote);
  if (coverage(claimWords, quoteWords) < CLAIM_IN_QUOTE && coverage(quoteWords, claimWords) < QUOTE_IN_CLAIM)
    return `the quote "${clip(citation.quote, 60)}" does not support "${clip(claim, 60)}"`;
  return undefined;
}

const share = (good: number, all: number) => Math.round((good / all) * 100) / 100;
