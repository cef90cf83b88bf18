import { fileURLToPath } from 'node:url';

/** The shipped policies and their schema (`policies/` at the package root), used unless `policy.dir` names others. */
export const SHIPPED_POLICY_DIR = fileURLToPath(new URL('../../policies/', import.meta.url));
