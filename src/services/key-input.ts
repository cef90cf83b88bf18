import { z } from 'zod';
import { ROLES } from '../core/principal.js';

/** A new API key: what it may do, and a label to tell keys apart. */
export const newKeyInput = z.strictObject({
  role: z.enum(ROLES, { error: `expected one of ${ROLES.join(', ')}` }),
  name: z.string().min(1).max(200).default('unnamed'),
});
export type NewKeyInput = z.input<typeof newKeyInput>;

/** A key id: the 12 hex characters after `umca_`. */
export const KEY_ID = /^[0-9a-f]{12}$/;
