import type { ApiKeyStore } from './api-key-store.js';
import type { RunStore } from './run-store.js';
import type { UsageStore } from './usage-store.js';

/**
 * Durable state, by concern: runs (RunStore), model usage and budgets (UsageStore), API keys
 * (ApiKeyStore). One implementation (src/store/sql) serves all three over PGlite or
 * PostgreSQL; a part of umca that needs one concern asks for that interface.
 */
export interface Store extends RunStore, UsageStore, ApiKeyStore {
  close(): Promise<void>;
}
