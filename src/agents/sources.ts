import type { Reference } from '../core/run-options.js';

/** Something a run's research may cite: the spec, a reference document, later a tool's result. */
export interface Source {
  /** How a citation names it: `spec`, `ref:<name>`, `tool:<call>`, `kb:<kb>/<doc>#<chunk>`. */
  id: string;
  content: string;
  /** sha256 of `content` as the knowledge base stored it (kb sources): G2 checks the text cited is that text. */
  sha256?: string;
}

/** The sources a run starts with: its spec and the reference documents it carries. */
export function runSources(spec: string, references: readonly Reference[]): Source[] {
  return [{ id: 'spec', content: spec }, ...references.map((r) => ({ id: `ref:${r.name}`, content: r.content }))];
}

const PROMPT_SOURCE_CHARS = 40_000;

/** Sources as a prompt shows them: each in a tagged block, long ones cut (the cut is said). */
export function formatSources(sources: readonly Source[]): string {
  return sources
    .map((s) => {
      const body = s.content.length > PROMPT_SOURCE_CHARS ? `${s.content.slice(0, PROMPT_SOURCE_CHARS)}\n[… ${s.content.length - PROMPT_SOURCE_CHARS} more characters not shown]` : s.content;
      return `<source id="${s.id}">\n${body}\n</source>`;
    })
    .join('\n\n');
}
