import { Hono } from 'hono';
import { z } from 'zod';
import { addKbInput, createKbInput, searchKbInput } from '../services/knowledge-input.js';
import type { Umca } from '../umca.js';
import type { AppEnv } from './app-env.js';
import { parseJsonBody } from './parse-body.js';

const removeDocumentInput = z.strictObject({ source: z.string().min(1).max(1_000) });

/** `/v1/kb`: knowledge bases, their documents, search and chunks; the knowledge service asks policy (read-kb, write-kb). */
export function knowledgeRoutes(umca: Pick<Umca, 'knowledge'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const kb = (c: { get(key: 'principal'): AppEnv['Variables']['principal'] }) => umca.knowledge.for(c.get('principal'));
  app.get('/', async (c) => c.json({ data: await kb(c).list() }));
  app.post('/', async (c) => c.json(await kb(c).create(await parseJsonBody(c, createKbInput)), 201));
  app.get('/:name', async (c) => c.json(await kb(c).show(c.req.param('name'))));
  app.delete('/:name', async (c) => {
    await kb(c).remove(c.req.param('name'));
    return c.json({ name: c.req.param('name'), deleted: true });
  });
  app.post('/:name/documents', async (c) => c.json(await kb(c).add(c.req.param('name'), await parseJsonBody(c, addKbInput), { signal: c.req.raw.signal })));
  app.post('/:name/documents/remove', async (c) => {
    const { source } = await parseJsonBody(c, removeDocumentInput);
    await kb(c).removeDocument(c.req.param('name'), source);
    return c.json({ source, deleted: true });
  });
  // The same add as a durable job on the run queue: 202 at once, its status at the Location.
  app.post('/:name/jobs', async (c) => {
    const job = await kb(c).startIngest(c.req.param('name'), await parseJsonBody(c, addKbInput));
    c.header('location', `/v1/kb/${encodeURIComponent(job.kb)}/jobs/${job.id}`);
    return c.json(job, 202);
  });
  app.get('/:name/jobs/:id', async (c) => c.json(await kb(c).job(c.req.param('name'), c.req.param('id'))));
  app.post('/:name/reindex', async (c) => c.json(await kb(c).reindex(c.req.param('name'), { signal: c.req.raw.signal })));
  app.post('/:name/search', async (c) => c.json(await kb(c).search(c.req.param('name'), await parseJsonBody(c, searchKbInput))));
  app.get('/:name/chunks/:doc/:ord', async (c) => c.json(await kb(c).chunk(c.req.param('name'), c.req.param('doc'), Number(c.req.param('ord')))));
  return app;
}
