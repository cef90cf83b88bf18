import type { KbAddReport } from './knowledge.js';

/** A report with nothing in it yet, for adds that go in several batches. */
export function emptyKbReport(kb: string): KbAddReport {
  return { kb, added: 0, updated: 0, unchanged: 0, chunks: 0, embedded: 0, failed: [], vector_index: 'small' };
}

/** Adds one batch's report into `total` (the vector index is as the latest batch left it). */
export function addKbReport(total: KbAddReport, part: KbAddReport): KbAddReport {
  total.kb = part.kb;
  for (const key of ['added', 'updated', 'unchanged', 'chunks', 'embedded'] as const) total[key] += part[key];
  total.failed.push(...part.failed);
  total.vector_index = part.vector_index;
  return total;
}
