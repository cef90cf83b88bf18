export type { RunEvent, EventDataOf } from '../../src/core/events.js';
export type { RunRecord, RunStatus } from '../../src/core/run.js';

export interface RunListItem {
  id: string;
  spec: string;
  model: string;
  status: import('../../src/core/run.js').RunStatus;
  reason: string | null;
  created_at: string;
  updated_at: string;
  duration_ms: number;
  cost_usd: number;
}

export interface Me {
  principal: { id: string; roles: string[]; via: string };
  auth_mode: 'local' | 'token';
  can: Record<'run' | 'process_runtime' | 'egress' | 'override' | 'read_usage' | 'admin', { allowed: boolean; why: string }>;
}

export const FINAL = new Set(['completed', 'failed', 'blocked', 'cancelled']);

export type { KbChunkRecord, KbDocumentRecord, KnowledgeBaseRecord } from '../../src/store/knowledge-store.js';
export type { KbHit, KbSearchResult } from '../../src/services/knowledge.js';
