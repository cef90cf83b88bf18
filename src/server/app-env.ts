import type { Principal } from '../core/principal.js';

/** Hono's per-request variables: the authenticated caller. */
export interface AppEnv {
  Variables: { principal: Principal; requestId: string };
}
