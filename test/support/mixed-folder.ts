import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePdf } from './make-pdf.js';

/** The mixed folder's Markdown guide (a test edits it to see one chunk re-embedded). */
export const GUIDE = [
  '# Operations guide',
  '',
  'How umca is run by a team.',
  '',
  '## Leases',
  '',
  'A worker holds a lease on each run it executes; a dead holder loses it to the next worker, which resumes the run from its checkpoints.',
  '',
  '## Budgets',
  '',
  'Every model call is metered, and a budget refuses calls that would spend past it.',
  '',
].join('\n');

/**
 * A mixed folder under `cwd`/docs: Markdown, HTML, a PDF, TypeScript, JSON, and a JSON file
 * that does not parse. Returns its path.
 */
export function writeMixedFolder(cwd: string): string {
  const docs = join(cwd, 'docs');
  mkdirSync(join(docs, 'src'), { recursive: true });
  writeFileSync(join(docs, 'guide.md'), GUIDE);
  writeFileSync(join(docs, 'page.html'), `<html><head><title>Sandboxes</title></head><body><nav>Home Pricing</nav><article><h1>Sandboxes</h1>${'<p>Model-written tests run in a WebAssembly sandbox with no network and bounded memory, so hostile code cannot reach the host.</p>'.repeat(3)}</article></body></html>`);
  writeFileSync(join(docs, 'spec.pdf'), makePdf([['The signed checkpoint format follows C2SP signed notes.'], ['Auditors verify a run offline from its bundle.']]));
  writeFileSync(join(docs, 'src', 'lease.ts'), 'export function acquireLease(runId: string, owner: string): boolean {\n  return runId.length > 0 && owner.length > 0;\n}\n\nexport class LeaseKeeper {\n  renew(): void {}\n}\n');
  writeFileSync(join(docs, 'settings.json'), '{\n  "workers": { "concurrency": 4 },\n  "retention": { "archive_events_after_days": 30 }\n}\n');
  writeFileSync(join(docs, 'broken.json'), '{"workers": ');
  return docs;
}
