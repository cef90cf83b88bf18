import { readFileSync, statSync } from 'node:fs';
import { Command } from 'commander';
import { addKbReport, emptyKbReport } from '../../services/kb-add-report.js';
import type { KbHit, KbProgress } from '../../services/knowledge.js';
import { CliError } from '../cli-error.js';
import { collectSources, urlSources } from '../kb-sources.js';
import type { GlobalOptions } from '../open-umca.js';
import { withSession } from '../open-session.js';

/** Files read and sent to the service at a time: at most this many, and of at most this many bytes (one larger file goes alone). */
const ADD_BATCH_FILES = 64;
const ADD_BATCH_BYTES = 32 * 1024 * 1024;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * `umca kb create|add|search|list|show|rm`: knowledge bases a run's research searches and
 * cites. Works on the state dir, or through the `umca serve` that holds it.
 */
export function kbCommand(globals: () => GlobalOptions): Command {
  const kb = new Command('kb').description('knowledge bases: documents and code, searchable and citable by runs');

  kb.command('create')
    .description('create an empty knowledge base')
    .argument('<name>', 'lower-case letters, digits, _ and -')
    .option('--embedding-model <ref>', 'the model its chunks are embedded with (default: knowledge.embedding_model, embedded:use-lite)')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { embeddingModel?: string; json?: boolean }) => {
      await withSession(globals(), async ({ knowledge }) => {
        const created = await knowledge.create({ name, ...(options.embeddingModel ? { embedding_model: options.embeddingModel } : {}) });
        process.stdout.write(options.json ? `${JSON.stringify(created)}\n` : `knowledge base ${created.name} created (${created.embedding_model}, ${created.dimensions} dimensions); add documents: umca kb add ${created.name} docs/\n`);
      });
    });

  kb.command('add')
    .description('add or update files, directories (recursively, .gitignore respected) and globs; unchanged files are skipped')
    .argument('<name>', 'the knowledge base')
    .argument('<paths...>', 'files, directories, quoted globs ("docs/**/*.md") or http(s) URLs (fetched by the server where policy grants egress to the host)')
    .option('--tag <tag>', 'a tag for every document added (repeatable)', collect, [])
    .option('--json', 'print JSON')
    .action(async (name: string, paths: string[], options: { tag: string[]; json?: boolean }) => {
      const sources = collectSources(paths);
      const urls = urlSources(paths);
      if (sources.length === 0 && urls.length === 0) throw new CliError(`${paths.join(' ')}: no file of a type a knowledge base reads (Markdown, text, HTML, PDF, code, JSON, YAML)`);
      await withSession(globals(), async ({ knowledge }) => {
        const show = options.json ? undefined : progress();
        const report = emptyKbReport(name);
        // A few files at a time, so memory stays bounded however many are added. Read as bytes
        // and sent as base64, so a PDF arrives intact; text is decoded by the service.
        // URLs first, in one request: the server fetches them, as the caller (policy must grant egress to each host).
        if (urls.length > 0) {
          const part = await knowledge.add(name, { documents: urls.map((url) => ({ url, tags: options.tag })), index_vectors: sources.length === 0 }, show ? { onProgress: (p) => show({ ...p, total: sources.length + urls.length }) } : {});
          addKbReport(report, part);
        }
        for (let i = 0; i < sources.length; ) {
          // The service reads a batch's files in worker threads while it writes the ones before.
          let end = i + 1;
          for (let bytes = sizeOf(sources[i]!.path); end < sources.length && end - i < ADD_BATCH_FILES; end += 1) {
            bytes += sizeOf(sources[end]!.path);
            if (bytes > ADD_BATCH_BYTES) break;
          }
          const batch = sources.slice(i, end);
          const documents = batch.map(({ path, source }) => ({ source, content: readFileSync(path).toString('base64'), encoding: 'base64' as const, tags: options.tag }));
          const last = end >= sources.length;
          const part = await knowledge.add(name, { documents, index_vectors: last }, show ? { onProgress: (p) => show({ ...p, done: urls.length + i + p.done, total: sources.length + urls.length }) } : {});
          addKbReport(report, part);
          i = end;
        }
        if (options.json) {
          process.stdout.write(`${JSON.stringify(report)}\n`);
        } else {
          process.stdout.write(
            `${report.kb}: ${report.added} added, ${report.updated} updated, ${report.unchanged} unchanged; ${report.chunks} chunks written, ${report.embedded} embedded${report.vector_index === 'built' ? '; vector index built' : ''}\n`,
          );
          for (const failure of report.failed) process.stderr.write(`umca: ${failure.source}: ${failure.reason} (left out)\n`);
        }
        if (report.failed.length > 0 && report.added + report.updated + report.unchanged === 0) process.exitCode = 1;
      });
    });

  kb.command('search')
    .description('search a knowledge base (BM25 and vectors, fused); each hit with its citation')
    .argument('<name>', 'the knowledge base')
    .argument('<query>', 'what to look for')
    .option('--k <n>', 'how many chunks', (value) => integer('--k', value), 8)
    .option('--mode <mode>', 'hybrid, bm25 or dense', 'hybrid')
    .option('--source <glob>', 'only sources matching this glob')
    .option('--type <type>', 'only this document type (repeatable)', collect, [])
    .option('--tag <tag>', 'only documents with this tag (repeatable)', collect, [])
    .option('--json', 'print JSON')
    .action(async (name: string, query: string, options: { k: number; mode: string; source?: string; type: string[]; tag: string[]; json?: boolean }) => {
      const filter = {
        ...(options.source ? { source: options.source } : {}),
        ...(options.type.length ? { type: options.type } : {}),
        ...(options.tag.length ? { tags: options.tag } : {}),
      };
      await withSession(globals(), async ({ knowledge }) => {
        const result = await knowledge.search(name, { query, k: options.k, mode: options.mode as 'hybrid', ...(Object.keys(filter).length ? { filter: filter as never } : {}) });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(result)}\n`);
          return;
        }
        if (result.hits.length === 0) process.stdout.write('no chunk matches\n');
        for (const hit of result.hits) process.stdout.write(describeHit(hit));
      });
    });

  kb.command('list')
    .description('every knowledge base, with its documents and chunks')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withSession(globals(), async ({ knowledge }) => {
        const bases = await knowledge.list();
        if (options.json) {
          process.stdout.write(`${JSON.stringify(bases)}\n`);
          return;
        }
        if (bases.length === 0) process.stdout.write('no knowledge bases yet: umca kb create docs\n');
        for (const b of bases) process.stdout.write(`${b.name.padEnd(20)} ${String(b.documents).padStart(6)} documents ${String(b.chunks).padStart(8)} chunks  ${b.embedding_model}\n`);
      });
    });

  kb.command('show')
    .description('a knowledge base and its documents')
    .argument('<name>', 'the knowledge base')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      await withSession(globals(), async ({ knowledge }) => {
        const shown = await knowledge.show(name);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(shown)}\n`);
          return;
        }
        const { base } = shown;
        process.stdout.write(`${base.name}: ${base.documents} documents, ${base.chunks} chunks, ${base.embedding_model} (${base.dimensions}-d), created by ${base.created_by} at ${base.created_at}\n`);
        for (const d of shown.documents) process.stdout.write(`  ${d.source}  ${d.type}  ${d.chunks} chunks  ${d.updated_at}${d.tags.length ? `  [${d.tags.join(', ')}]` : ''}\n`);
      });
    });

  kb.command('reindex')
    .description("cut every document again from its stored text with today's knowledge settings (chunk size, overlap) and rebuild the vector index; only new chunk text is embedded")
    .argument('<name>', 'the knowledge base')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      await withSession(globals(), async ({ knowledge }) => {
        const report = await knowledge.reindex(name, options.json ? {} : { onProgress: progress('reindexing') });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(report)}\n`);
        } else {
          process.stdout.write(`${report.kb}: ${report.updated} documents cut again; ${report.chunks} chunks, ${report.embedded} embedded${report.vector_index === 'built' ? '; vector index rebuilt' : ''}\n`);
          for (const failure of report.failed) process.stderr.write(`umca: ${failure.source}: ${failure.reason}\n`);
        }
        if (report.failed.length > 0 && report.updated === 0) process.exitCode = 1;
      });
    });

  kb.command('job')
    .description('an ingest job (POST /v1/kb/<name>/jobs): its status, how far it is, and what it added; its log is the run with the same id (umca runs show)')
    .argument('<name>', 'the knowledge base')
    .argument('<id>', 'the job id')
    .option('--json', 'print JSON')
    .action(async (name: string, id: string, options: { json?: boolean }) => {
      await withSession(globals(), async ({ knowledge }) => {
        const job = await knowledge.job(name, id);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(job)}\n`);
          return;
        }
        const { report } = job;
        process.stdout.write(
          `job ${job.id} (${job.kb}): ${job.status}, ${job.done}/${job.total} sources; ${report.added} added, ${report.updated} updated, ${report.unchanged} unchanged, ${report.failed.length} failed; ${report.chunks} chunks, ${report.embedded} embedded${job.reason ? `; ${job.reason}` : ''}\n`,
        );
        for (const failure of report.failed) process.stderr.write(`umca: ${failure.source}: ${failure.reason} (left out)\n`);
      });
    });

  kb.command('rm')
    .description('remove a knowledge base, or one source from it')
    .argument('<name>', 'the knowledge base')
    .argument('[source]', 'only this source (as `umca kb show` lists it)')
    .option('--json', 'print JSON')
    .action(async (name: string, source: string | undefined, options: { json?: boolean }) => {
      await withSession(globals(), async ({ knowledge }) => {
        if (source === undefined) await knowledge.remove(name);
        else await knowledge.removeDocument(name, source);
        const what = source === undefined ? { name, deleted: true } : { name, source, deleted: true };
        process.stdout.write(options.json ? `${JSON.stringify(what)}\n` : source === undefined ? `knowledge base ${name} removed\n` : `${source} removed from ${name}\n`);
      });
    });

  return kb;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // read (and its error named) with the batch
  }
}

function integer(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new CliError(`${flag}: expected a whole number, got "${value}"`);
  return Number(value);
}

function describeHit(hit: KbHit): string {
  const where = [hit.source, hit.page === null ? undefined : `page ${hit.page}`, hit.heading ?? undefined].filter(Boolean).join(' · ');
  const ranks = [hit.scores.bm25 ? `bm25 #${hit.scores.bm25.rank} ${hit.scores.bm25.score.toFixed(2)}` : undefined, hit.scores.dense ? `dense #${hit.scores.dense.rank} ${hit.scores.dense.score.toFixed(3)}` : undefined]
    .filter(Boolean)
    .join(', ');
  const excerpt = hit.text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return `${hit.citation}  ${where}  (${ranks})\n    ${excerpt}\n`;
}

/** A bar redrawn in place on a terminal; a line per 10% elsewhere (not with --json). */
function progress(verb = 'adding'): (p: KbProgress) => void {
  const out = process.stderr;
  let lastTenth = -1;
  return ({ done, total }) => {
    const fraction = total > 0 ? done / total : 1;
    if (out.isTTY && !process.env.NO_COLOR) {
      const width = 24;
      out.write(`\r\x1b[2Kumca: ${verb} ${'█'.repeat(Math.round(fraction * width)).padEnd(width, '░')} ${done}/${total}${done === total ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth === lastTenth || (total < 10 && done < total)) return;
    lastTenth = tenth;
    out.write(`umca: ${verb} ${done}/${total}\n`);
  };
}
