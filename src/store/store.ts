import type { ApiKeyStore } from './api-key-store.js';
import type { KnowledgeStore } from './knowledge-store.js';
import type { RunStore } from './run-store.js';
import type { UsageStore } from './usage-store.js';

/**
 * Durable state, by concern: runs (RunStore), model usage and budgets (UsageStore), API keys
 * (ApiKeyStore), and knowledge bases (`knowledge`, a KnowledgeStore). One implementation (src/store/sql) serves them all over PGlite or
 * PostgreSQL; a part of umca that needs one concern asks for that interface.
 */
export interface Store extends RunStore, UsageStore, ApiKeyStore {
  readonly knowledge: KnowledgeStore;
  /** What an operator should hear once at start (a missing extension and what to install). */
  readonly notices: readonly string[];
  close(): Promise<void>;
}
