import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHIPPED_POLICY_DIR } from '../../src/policy/shipped-policies.js';

/** A policy dir holding the shipped policies plus `extra` (Cedar) in `file`: for `policy.dir`. */
export function shippedPoliciesWith(file: string, extra: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'umca-policies-'));
  copyFileSync(join(SHIPPED_POLICY_DIR, 'default.cedar'), join(dir, 'default.cedar'));
  writeFileSync(join(dir, file), extra);
  return dir;
}
