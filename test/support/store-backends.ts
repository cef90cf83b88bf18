import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPgliteStore } from '../../src/store/pglite/pglite-driver.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-driver.js';
import type { Store } from '../../src/store/store.js';

export interface StoreBackend {
  name: string;
  /** A fresh, empty store; `dispose` drops what it made. */
  open(): Promise<{ store: Store; url?: string; dispose(): Promise<void> }>;
  /** A second store on the same database as the last `open()`, as another process would have. */
  openSibling?(): Promise<Store>;
}

/**
 * The backends this machine has: PGlite always; PostgreSQL when UMCA_TEST_POSTGRES_URL
 * is set (CI sets it to the machine's server). Each PostgreSQL store gets its own schema.
 */
export function storeBackends(): StoreBackend[] {
  const backends: StoreBackend[] = [
    {
      name: 'pglite',
      async open() {
        const store = await openPgliteStore();
        return { store, dispose: () => store.close() };
      },
    },
  ];
  const url = process.env.UMCA_TEST_POSTGRES_URL;
  if (url) {
    let lastUrl: string | undefined;
    backends.push({
      name: 'postgres',
      async open() {
        const opened = await openPostgresSchema(url);
        lastUrl = opened.url;
        return opened;
      },
      openSibling: () => openPostgresStore(lastUrl!),
    });
  }
  return backends;
}

export async function openPostgresSchema(url: string): Promise<{ store: Store; url: string; dispose(): Promise<void> }> {
  const schema = `umca_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  const store = await openPostgresStore(scoped.toString());
  return {
    store,
    url: scoped.toString(),
    async dispose() {
      await store.close().catch(() => undefined); // the caller may have closed it already
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP SCHEMA ${schema} CASCADE`);
      await cleanup.end();
    },
  };
}
