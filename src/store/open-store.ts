import { join } from 'node:path';
import type { UmcaConfig } from '../core/config.js';
import { openPgliteStore } from './pglite/pglite-driver.js';
import { openPostgresStore } from './postgres/postgres-driver.js';
import type { Store } from './store.js';

/** A postgres:// URL selects PostgreSQL; otherwise embedded PGlite under `home/pglite`. */
export function openStore(config: Pick<UmcaConfig, 'home' | 'database_url'>): Promise<Store> {
  if (config.database_url) return openPostgresStore(config.database_url);
  return openPgliteStore(join(config.home, 'pglite'));
}
