import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ConflictError, NotFoundError } from '../core/errors.js';
import { draft } from '../core/events.js';
import { verifyChain } from '../core/hash-chain.js';
import { storeBackends } from '../../test/support/store-backends.js';
import type { Store } from './store.js';

const TRACE = 'a'.repeat(32);
let counter = 0;
const newId = () => `run-${Date.now()}-${++counter}`;

for (const backend of storeBackends()) {
  describe(`Store contract: ${backend.name}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;

    before(async () => {
      ({ store, dispose } = await backend.open());
    });
    after(async () => dispose());

    it('creates a run once and reads it back', async () => {
      const id = newId();
      const { run } = await store.createRun({ id, spec: 'make a slugify', model: 'scripted:demo', trace_id: TRACE });
      assert.equal(run.status, 'created');
      assert.equal(run.last_seq, 0);
      assert.deepEqual(await store.getRun(id), run);
      await assert.rejects(store.createRun({ id, spec: 'x', model: 'm', trace_id: TRACE }), ConflictError);
      assert.equal(await store.getRun('nope'), undefined);
    });

    it('appends a gap-free hash chain whose content survives the round trip', async () => {
      const id = newId();
      await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE });
      const spec = `ünïcødé \u0000 "quoted" it's O''Brien, back\\slash \\' E'\\x41' $$dollar$$ ; DROP TABLE events; --`;
      await store.commit(id, { events: [draft('run.created', 'user:local', { spec, model: 'm', scripted: true })] });
      await store.commit(id, {
        status: 'running',
        events: [draft('run.started', 'engine', { worker: 'w1' }), draft('step.started', 'engine', { step: 'plan', kind: 'agent', attempt: 1 })],
      });
      const events = await store.readEvents(id);
      assert.deepEqual(events.map((e) => e.seq), [1, 2, 3]);
      assert.deepEqual(events.map((e) => e.type), ['run.created', 'run.started', 'step.started']);
      assert.equal(events[0]?.type === 'run.created' && events[0].data.spec, spec, 'text survives exactly: quotes, backslashes, dollars');
      assert.deepEqual(verifyChain(events), { ok: true, events: 3, head: events[2]?.hash });
      assert.equal((await store.getRun(id))?.status, 'running');
      assert.deepEqual((await store.readEvents(id, { afterSeq: 1 })).map((e) => e.seq), [2, 3]);
    });

    it('keeps seq gap-free and the chain intact under concurrent appends', async () => {
      const id = newId();
      await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE });
      await Promise.all(
        Array.from({ length: 25 }, (_, i) => store.commit(id, { events: [draft('step.completed', 'engine', { step: `s${i}`, duration_ms: i })] })),
      );
      const events = await store.readEvents(id);
      assert.equal(events.length, 25);
      assert.ok(verifyChain(events).ok);
      assert.equal((await store.getRun(id))?.last_seq, 25);
    });

    it('creates a run and its first events in one step', async () => {
      const id = newId();
      const { run } = await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE, lease_owner: 'creator' }, [draft('run.created', 'user:local', { spec: 's', model: 'm', scripted: true })]);
      assert.deepEqual([run.last_seq, run.lease_owner], [1, 'creator']);
      const events = await store.readEvents(id);
      assert.deepEqual(events.map((e) => [e.seq, e.type]), [[1, 'run.created']]);
      assert.ok(verifyChain(events).ok);
      const next = await store.commit(id, { events: [draft('run.started', 'engine', { worker: 'w' })], status: 'running' });
      assert.deepEqual([next.events[0]?.seq, next.events[0]?.prev_hash, next.run.status, next.run.last_seq], [2, events[0]?.hash, 'running', 2]);
    });

    if (backend.openSibling) {
      it('keeps one chain when two processes append to the same run', async () => {
        const sibling = await backend.openSibling!();
        try {
          const id = newId();
          await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE });
          for (let i = 0; i < 6; i += 1) {
            const writer = i % 2 === 0 ? store : sibling;
            await writer.commit(id, { events: [draft('step.completed', 'engine', { step: `s${i}`, duration_ms: i })] });
          }
          await Promise.all([store, sibling, store, sibling].map((w, i) => w.commit(id, { events: [draft('step.completed', 'engine', { step: `p${i}`, duration_ms: i })] })));
          const events = await store.readEvents(id);
          assert.deepEqual(events.map((e) => e.seq), Array.from({ length: 10 }, (_, i) => i + 1));
          assert.ok(verifyChain(events).ok);
        } finally {
          await sibling.close();
        }
      });
    }

    it('rejects an event whose data breaks the schema, storing nothing', async () => {
      const id = newId();
      await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE });
      const bad = { type: 'step.started', actor: 'engine', data: { step: 'plan', kind: 'nonsense', attempt: 1 } } as never;
      await assert.rejects(store.commit(id, { events: [bad] }));
      assert.equal((await store.readEvents(id)).length, 0);
    });

    it('stores checkpoints atomically with events and refuses a second checkpoint for a step', async () => {
      const id = newId();
      await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE });
      await store.commit(id, { checkpoints: [{ step: 'plan', result: { steps: ['a', 'b'] } }], events: [draft('step.completed', 'engine', { step: 'plan', duration_ms: 3 })] });
      await assert.rejects(
        store.commit(id, { checkpoints: [{ step: 'plan', result: {} }], events: [draft('step.completed', 'engine', { step: 'plan', duration_ms: 1 })] }),
      );
      // The failed commit left nothing behind: still one event, the first result.
      assert.equal((await store.readEvents(id)).length, 1);
      assert.deepEqual(await store.loadCheckpoints(id), new Map([['plan', { steps: ['a', 'b'] }]]));
    });

    it('loads checkpoints in the order they were stored, across commits and within one', async () => {
      const id = newId();
      await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE });
      const done = (step: string) => draft('step.completed', 'engine', { step, duration_ms: 1 });
      await store.commit(id, { checkpoints: [{ step: 'zeta', result: 1 }], events: [done('zeta')] });
      await store.commit(id, { checkpoints: [{ step: 'beta', result: 2 }, { step: 'alpha', result: 3 }], events: [done('beta'), done('alpha')] });
      await store.commit(id, { checkpoints: [{ step: 'gamma', result: 4 }], events: [done('gamma')] });
      assert.deepEqual([...(await store.loadCheckpoints(id)).keys()], ['zeta', 'beta', 'alpha', 'gamma']);
    });

    it('closes the log of a finished run', async () => {
      const id = newId();
      await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE });
      await store.commit(id, { status: 'completed', events: [draft('run.completed', 'engine', { artifacts: 0, attempts: 1, duration_ms: 5 })] });
      await assert.rejects(store.commit(id, { events: [draft('run.started', 'engine', { worker: 'w' })] }), ConflictError);
      await assert.rejects(store.commit('missing-run', { events: [] }), NotFoundError);
    });

    it('reopens a blocked run for an override, and only a blocked one', async () => {
      const id = newId();
      await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE });
      await store.commit(id, { status: 'blocked', reason: 'blocked by gate g1-plan', events: [draft('run.blocked', 'gate:g1-plan', { gate: 'g1-plan', reasons: ['r'] })] });
      await assert.rejects(store.commit(id, { events: [draft('run.started', 'engine', { worker: 'w' })] }), ConflictError);
      const overridden = draft('gate.overridden', 'user:ops', { gate: 'g1-plan', step: 'gate:g1-plan', by: 'user:ops', reason: 'accepted risk', reasons_overridden: ['r'] });
      const { run } = await store.commit(id, { reopenBlocked: true, status: 'running', reason: null, events: [overridden], checkpoints: [{ step: 'override:gate:g1-plan', result: { by: 'user:ops' } }] });
      assert.equal(run.status, 'running');
      assert.deepEqual((await store.readEvents(id)).map((e) => e.type), ['run.blocked', 'gate.overridden']);
      assert.ok(verifyChain(await store.readEvents(id)).ok);
      // Not blocked any more: a second override is refused, and nothing is written.
      await assert.rejects(store.commit(id, { reopenBlocked: true, status: 'running', events: [overridden] }), (error: ConflictError) => error.code === 'run_not_blocked');
      assert.equal((await store.readEvents(id)).length, 2);
    });

    it('lists runs newest first, filtered and paginated, and finds unfinished ones', async () => {
      const ids = [newId(), newId(), newId()];
      for (const id of ids) {
        await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE });
        await new Promise((r) => setTimeout(r, 5));
      }
      await store.commit(ids[0]!, { status: 'failed', reason: 'boom' });
      const page = await store.listRuns({ limit: 2 });
      assert.deepEqual(page.map((r) => r.id), [ids[2], ids[1]]);
      const next = await store.listRuns({ limit: 2, before: ids[1] });
      assert.equal(next[0]?.id, ids[0]);
      const failed = await store.listRuns({ status: 'failed' });
      assert.ok(failed.some((r) => r.id === ids[0] && r.reason === 'boom'));
      const unfinished = (await store.listUnfinishedRuns()).map((r) => r.id);
      assert.ok(unfinished.includes(ids[1]!) && !unfinished.includes(ids[0]!));
    });

    it('grants a lease to one owner at a time and hands over a stale one', async () => {
      const id = newId();
      await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE });
      assert.equal((await store.acquireLease(id, 'a', () => false))?.lease_owner, 'a');
      assert.equal((await store.acquireLease(id, 'a', () => false))?.lease_owner, 'a');
      assert.equal(await store.acquireLease(id, 'b', () => false), undefined);
      assert.equal((await store.acquireLease(id, 'b', (holder) => holder === 'a'))?.lease_owner, 'b');
      assert.equal((await store.commit(id, { releaseLease: 'a' })).run.lease_owner, 'b', 'only the holder releases');
      const released = await store.commit(id, { releaseLease: 'b', status: 'failed', reason: 'x' });
      assert.equal(released.run.lease_owner, null);
      assert.equal(released.run.status, 'failed');
      await assert.rejects(store.acquireLease('missing-run', 'a', () => false), NotFoundError);
    });

    it('lets a lease with an expiry lapse without heartbeats, so another owner takes the run over', async () => {
      const id = newId();
      await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE });
      const held = await store.acquireLease(id, 'worker-a', () => false, { leaseMs: 300 });
      assert.equal(held?.lease_owner, 'worker-a');
      assert.ok(held?.lease_expires_at && Date.parse(held.lease_expires_at) > Date.now() - 1_000);
      assert.equal(await store.acquireLease(id, 'worker-b', () => false, { leaseMs: 300 }), undefined, 'held and not lapsed');
      assert.equal(await store.renewLease(id, 'worker-a', 300), true, 'the holder heartbeats');
      await new Promise((r) => setTimeout(r, 450));
      assert.equal((await store.acquireLease(id, 'worker-b', () => false, { leaseMs: 300 }))?.lease_owner, 'worker-b', 'lapsed: taken over');
      assert.equal(await store.renewLease(id, 'worker-a', 300), false, 'the old holder learns it lost the lease');
    });

    it('refuses a commit from an owner that lost the lease (fencing), writing nothing', async () => {
      const id = newId();
      await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE });
      await store.acquireLease(id, 'worker-a', () => false, { leaseMs: 60_000 });
      await store.commit(id, { leaseOwner: 'worker-a', events: [draft('run.started', 'engine', { worker: 'worker-a' })], status: 'running' });
      await store.commit(id, { releaseLease: 'worker-a' });
      await store.acquireLease(id, 'worker-b', () => false, { leaseMs: 60_000 });
      await assert.rejects(store.commit(id, { leaseOwner: 'worker-a', events: [draft('run.resumed', 'engine', { worker: 'worker-a', completed_steps: [] })] }), (e: ConflictError) => e.code === 'lease_lost');
      await store.commit(id, { leaseOwner: 'worker-b', events: [draft('run.resumed', 'engine', { worker: 'worker-b', completed_steps: [] })] });
      assert.deepEqual((await store.readEvents(id)).map((e) => e.type === 'run.resumed' ? e.data.worker : e.type), ['run.started', 'worker-b']);
    });

    it('stores a retried commit once: same event ids, same answer, no gap, an intact chain', async () => {
      const id = newId();
      await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE });
      const commit = { events: [{ ...draft('step.started', 'engine', { step: 'plan', kind: 'agent', attempt: 1 }), id: randomUUID() }, { ...draft('step.completed', 'engine', { step: 'plan', duration_ms: 2 }), id: randomUUID() }], checkpoints: [{ step: 'plan', result: 1 }] };
      const first = await store.commit(id, commit);
      const retried = await store.commit(id, commit);
      assert.deepEqual(retried.events.map((e) => [e.seq, e.hash]), first.events.map((e) => [e.seq, e.hash]));
      // Another process retrying it, too (it does not know this one's head).
      const other = backend.openSibling ? await backend.openSibling() : store;
      assert.deepEqual((await other.commit(id, commit)).events.map((e) => e.seq), [1, 2]);
      if (other !== store) await other.close();
      const events = await store.readEvents(id);
      assert.deepEqual(events.map((e) => e.seq), [1, 2]);
      assert.ok(verifyChain(events).ok);
    });

    it("drops a finished run's checkpoints in its last commit, this commit's too, but not a blocked one's (an override resumes it)", async () => {
      const done = newId();
      const blocked = newId();
      for (const [id, status] of [[done, 'completed'], [blocked, 'blocked']] as const) {
        await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE });
        await store.commit(id, { checkpoints: [{ step: 'plan', result: 1 }], events: [draft('step.completed', 'engine', { step: 'plan', duration_ms: 1 })] });
        await store.commit(id, { status, dropCheckpoints: true, checkpoints: [{ step: 'code', result: 2 }], events: [draft('step.completed', 'engine', { step: 'code', duration_ms: 1 })] });
      }
      assert.equal((await store.loadCheckpoints(done)).size, 0);
      assert.deepEqual([...(await store.loadCheckpoints(blocked)).keys()], ['plan', 'code']);
      assert.equal((await store.getRun(done))!.last_seq, 2, 'the events of the last commit are stored');
    });

    it('keeps on the run who started it and what it asked for, and gives them to the worker that leases it', async () => {
      const id = newId();
      const principal = { id: 'key:abc', roles: ['runner'], via: 'api-key' };
      const options = { runtime: 'wasm' as const, references: [{ name: 'rfc.md', content: 'text' }] };
      await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE, owner: principal.id, principal, options });
      assert.deepEqual((await store.getRun(id))!.principal, principal);
      const leased = await store.acquireLease(id, 'w1', () => false);
      assert.deepEqual([leased!.principal, leased!.options], [principal, options]);
      const bare = newId();
      await store.createRun({ id: bare, spec: 's', model: 'm', trace_id: TRACE });
      assert.deepEqual([(await store.getRun(bare))!.principal, (await store.acquireLease(bare, 'w1', () => false))!.options], [null, null]);
    });

    it('archives ended runs\' events, compressed, and reads them back unchanged', async () => {
      const old = newId();
      const open = newId();
      for (const id of [old, open]) {
        await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE }, [draft('run.created', 'user:local', { spec: 's', model: 'm', scripted: true })]);
        await store.commit(id, { events: Array.from({ length: 20 }, (_, i) => draft('step.completed', 'engine', { step: `s${i}`, duration_ms: i })) });
      }
      await store.commit(old, { status: 'completed', events: [draft('run.completed', 'engine', { artifacts: 0, attempts: 1, duration_ms: 5 })] });
      const before = await store.readEvents(old);
      const archived = await store.archiveEvents({ before: new Date(Date.now() + 60_000).toISOString() });
      assert.ok(archived.includes(old) && !archived.includes(open), 'only ended runs');
      assert.deepEqual(await store.readEvents(old), before, 'read back unchanged');
      assert.ok(verifyChain(await store.readEvents(old)).ok);
      assert.deepEqual((await store.readEvents(old, { afterSeq: 20, limit: 1 })).map((e) => e.seq), [21]);
      assert.deepEqual(await store.archiveEvents({ before: new Date(Date.now() + 60_000).toISOString() }), [], 'archived once');
    });

    it('stores artifacts content-addressed with the commit that announces them', async () => {
      const id = newId();
      await store.createRun({ id, spec: 's', model: 'm', trace_id: TRACE });
      const bytes = new TextEncoder().encode('export const x = 1;\n');
      const sha = createHash('sha256').update(bytes).digest('hex');
      await store.commit(id, {
        artifacts: [{ path: 'src/x.ts', content: bytes }, { path: 'copy/x.ts', content: bytes }],
        events: [draft('artifact.created', 'engine', { path: 'src/x.ts', sha256: sha, size: bytes.byteLength })],
      });
      assert.deepEqual((await store.listArtifacts(id)).map((r) => [r.path, r.sha256, r.size]), [['copy/x.ts', sha, 20], ['src/x.ts', sha, 20]]);
      const got = await store.getArtifact(id, 'src/x.ts');
      assert.equal(new TextDecoder().decode(got?.content), 'export const x = 1;\n');
      // A path written again is replaced; another run sharing the content shares the blob.
      const v2 = new TextEncoder().encode('export const x = 2;\n');
      await store.commit(id, { artifacts: [{ path: 'src/x.ts', content: v2 }] });
      assert.equal(new TextDecoder().decode((await store.getArtifact(id, 'src/x.ts'))?.content), 'export const x = 2;\n');
      const other = newId();
      await store.createRun({ id: other, spec: 's', model: 'm', trace_id: TRACE });
      await store.commit(other, { artifacts: [{ path: 'a.ts', content: bytes }] });
      assert.equal((await store.getArtifact(other, 'a.ts'))?.record.sha256, sha);
      assert.equal(await store.getArtifact(id, 'missing.ts'), undefined);
    });

    it('finds runs by text in their spec (wildcards taken literally) and totals each run\'s spend', async () => {
      const [a, b] = [newId(), newId()];
      await store.createRun({ id: a, spec: 'Parse ISO-8601 durations like P3DT4H', model: 'm', trace_id: TRACE });
      await store.createRun({ id: b, spec: 'A 100% safe slug_ify', model: 'm', trace_id: TRACE });
      assert.deepEqual((await store.listRuns({ text: 'iso-8601' })).map((r) => r.id), [a]);
      assert.deepEqual((await store.listRuns({ text: '100%' })).map((r) => r.id), [b]);
      assert.deepEqual((await store.listRuns({ text: 'slug_i' })).map((r) => r.id), [b]);
      assert.deepEqual(await store.listRuns({ text: 'slug%fy' }), [], '% is a percent sign, not a wildcard');
      const call = { model_ref: 'm', provider: 'p', upstream_model: 'u', input_tokens: 1, output_tokens: 1, cached: false, latency_ms: 1, ttft_ms: null, status: 'ok' as const, error_code: null };
      await store.recordUsage([{ ...call, run_id: a, cost_usd: 0.25 }, { ...call, run_id: a, cost_usd: 0.5 }, { ...call, run_id: null, cost_usd: 9 }]);
      assert.deepEqual(await store.runCosts([a, b]), new Map([[a, 0.75]]));
    });

    it('records usage and totals it per model and per day', async () => {
      const base = { provider: 'openai-compatible', upstream_model: 'qwen', run_id: null, cached: false, latency_ms: 12.5, ttft_ms: null, status: 'ok' as const, error_code: null };
      const tag = `m-${newId()}-it's \\'quoted\\`;
      await store.recordUsage([
        { ...base, model_ref: tag, input_tokens: 10, output_tokens: 5, cost_usd: 0.001 },
        { ...base, model_ref: tag, input_tokens: 3, output_tokens: 0, cost_usd: 0, cached: true },
        { ...base, model_ref: tag, input_tokens: 0, output_tokens: 0, cost_usd: 0, status: 'error', error_code: 'provider_http_error', ttft_ms: 4 },
      ]);
      const byModel = (await store.queryUsage({ groupBy: 'model' })).find((t) => t.key === tag);
      assert.deepEqual(byModel, { key: tag, requests: 3, errors: 1, cached: 1, input_tokens: 13, output_tokens: 5, cost_usd: 0.001 });
      const today = new Date().toISOString().slice(0, 10);
      assert.ok((await store.queryUsage({ groupBy: 'day' })).some((t) => t.key === today && t.requests >= 3));
      assert.deepEqual(await store.queryUsage({ groupBy: 'model', until: '2000-01-01T00:00:00Z' }), []);
    });

    it('reserves budget windows all or none, exactly under 50 concurrent callers', async () => {
      const subject = `key-${newId()}`;
      const minute = '2026-11-22T10:00:00.000Z';
      const reserve = (tokens: number) =>
        store.reserveBudget(subject, [
          { kind: 'requests_per_min', windowStart: minute, amount: 1, limit: 20 },
          { kind: 'tokens_per_min', windowStart: minute, amount: tokens, limit: 1_000 },
        ]);
      const results = await Promise.all(Array.from({ length: 50 }, () => reserve(10)));
      assert.equal(results.filter((r) => r.ok).length, 20, 'exactly the request limit');
      assert.deepEqual(results.find((r) => !r.ok), { ok: false, kind: 'requests_per_min', windowStart: minute });
      // The token window took only the granted reservations: a refused one leaves nothing behind.
      const other = `key-${newId()}`;
      const tokens = await Promise.all(Array.from({ length: 50 }, () => store.reserveBudget(other, [
        { kind: 'requests_per_min', windowStart: minute, amount: 1, limit: 1_000 },
        { kind: 'tokens_per_min', windowStart: minute, amount: 150, limit: 1_000 },
      ])));
      assert.equal(tokens.filter((r) => r.ok).length, 6, '6 x 150 <= 1000 < 7 x 150');
      await store.adjustBudget(other, [{ kind: 'tokens_per_min', windowStart: minute, delta: -600 }]);
      assert.deepEqual(await store.reserveBudget(other, [{ kind: 'tokens_per_min', windowStart: minute, amount: 650, limit: 1_000 }]), { ok: true });
    });

    it('stores API keys by hash, lists them without it, and revokes them once', async () => {
      const id = `k${newId().slice(0, 12)}`;
      const created = await store.createApiKey({ id, name: 'ci', role: 'runner', secretSha256: 'a'.repeat(64) });
      assert.equal(created.id, id);
      assert.equal(created.revoked_at, null);
      assert.equal((await store.getApiKey(id))?.secretSha256, 'a'.repeat(64));
      const listed = (await store.listApiKeys()).find((k) => k.id === id);
      assert.deepEqual(Object.keys(listed ?? {}).sort(), ['created_at', 'id', 'name', 'revoked_at', 'role'], 'no hash in listings');
      const revoked = await store.revokeApiKey(id);
      assert.ok(revoked?.revoked_at);
      assert.equal((await store.revokeApiKey(id))?.revoked_at, revoked.revoked_at, 'revoking twice keeps the first time');
      assert.equal(await store.revokeApiKey('no-such-key'), undefined);
      await assert.rejects(store.createApiKey({ id, name: 'dup', role: 'admin', secretSha256: 'b'.repeat(64) }));
    });
  });
}
