import { z } from 'zod';
import { parseJsonReply } from './parse-json-reply.js';

export const findingsSchema = z.object({
  findings: z.array(
    z.object({
      id: z.string().min(1),
      /** A fact the plan relies on: a behaviour, a format, an edge case. */
      claim: z.string().min(1),
      /** Where it comes from: a source id and the exact words there that support it. */
      citations: z.array(z.object({ source: z.string().min(1), quote: z.string().min(1) })).default([]),
    }),
  ),
});

export type Findings = z.infer<typeof findingsSchema>;
export type Finding = Findings['findings'][number];

/** Parses a researcher reply; the error names the field, to be fed back to the model. */
/** The findings' shape as JSON Schema, for providers that enforce one. */
export const FINDINGS_SCHEMA = { name: 'findings', schema: z.toJSONSchema(findingsSchema, { io: 'input' }) as Record<string, unknown> };

export function parseFindings(reply: string): { ok: true; value: Findings } | { ok: false; error: string } {
  return parseJsonReply(reply, findingsSchema, 'the findings do not match the schema');
}

/** Findings as the coder reads them: each claim with where it comes from. */
export function formatFindings(findings: Findings): string {
  if (findings.findings.length === 0) return '(none)';
  return findings.findings
    .map((f) => `- ${f.id}: ${f.claim}${f.citations.length ? ` [${f.citations.map((c) => `${c.source}: "${c.quote}"`).join('; ')}]` : ' [uncited]'}`)
    .join('\n');
}
