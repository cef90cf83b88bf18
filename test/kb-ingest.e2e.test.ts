import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exited, runCli, scratch, startCli, waitForLine } from './support/cli.js';

const FILES = 120;

function writeNotes(cwd: string): void {
  mkdirSync(join(cwd, 'notes'));
  for (let i = 0; i < FILES; i += 1) {
    writeFileSync(join(cwd, 'notes', `note-${String(i).padStart(2, '0')}.md`), `# Note ${i}\n\nNote ${i} is about leases and checkpoints, number ${i}.\n\n## Detail ${i}\n\nA second section of note ${i}, about budgets ${i * 7}.\n`);
  }
}

type Shown = { documents: Array<{ source: string; sha256: string; chunks: number }> };
const documents = (shown: Shown) => shown.documents.map(({ source, sha256, chunks }) => ({ source, sha256, chunks }));

describe('umca kb add is resumable', () => {
  it('a SIGKILLed ingest, added again, ends with the same documents as an uninterrupted one, re-embedding none of what was done', async () => {
    const where = scratch();
    writeNotes(where.cwd);
    for (const name of ['killed', 'whole']) {
      // The scripted provider's embeddings (hashes of the text): what is tested is the ingest, not the model.
      const created = await runCli(['kb', 'create', name, '--embedding-model', 'scripted:demo'], where);
      assert.equal(created.code, 0, created.stderr);
    }

    const child = startCli(['kb', 'add', 'killed', 'notes'], where);
    await waitForLine(child, (line) => /^umca: adding (\d+)\/120$/.test(line) && Number(/(\d+)\//.exec(line)![1]) >= 12, 120_000, 'stderr');
    child.kill('SIGKILL');
    await exited(child);
    const show = async (name: string) => JSON.parse((await runCli(['kb', 'show', name, '--json'], where)).stdout) as Shown;
    const stored = (await show('killed')).documents.length;
    assert.ok(stored >= 12 && stored < FILES, `the kill landed mid-way: ${stored} of ${FILES} stored`);

    const resumed = await runCli(['kb', 'add', 'killed', 'notes', '--json'], where);
    assert.equal(resumed.code, 0, resumed.stderr);
    const report = JSON.parse(resumed.stdout) as { added: number; updated: number; unchanged: number; embedded: number; chunks: number };
    assert.equal(report.unchanged, stored, `what was stored before the kill is skipped: ${resumed.stdout}`);
    assert.equal(report.added + report.updated + report.unchanged, FILES);
    assert.equal(report.embedded, report.chunks, 'only the documents not stored yet were embedded');

    const whole = await runCli(['kb', 'add', 'whole', 'notes', '--json'], where);
    assert.equal(whole.code, 0, whole.stderr);
    const killed = await show('killed');
    const uninterrupted = await show('whole');
    assert.equal(killed.documents.length, FILES);
    assert.deepEqual(documents(killed), documents(uninterrupted));
    const search = JSON.parse((await runCli(['kb', 'search', 'killed', 'budgets 259', '--k', '1', '--mode', 'bm25', '--json'], where)).stdout) as { hits: Array<{ source: string }> };
    assert.equal(search.hits[0]?.source, 'notes/note-37.md');
  });
});
