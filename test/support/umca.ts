import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/core/load-config.js';
import { composeUmca, type ComposeOptions } from '../../src/composition.js';
import { type Umca } from '../../src/umca.js';
import { openPgliteStore } from '../../src/store/pglite/pglite-driver.js';
import { TEST_FIXTURES_DIR } from './scripted.js';

/** A whole umca in this process, on an in-memory store and a temp home. */
export async function testUmca(overrides: Record<string, unknown> = {}, options: ComposeOptions = {}): Promise<Umca> {
  const home = mkdtempSync(join(tmpdir(), 'umca-home-'));
  const config = parseConfig({ home, scripted: { fixtures_dir: TEST_FIXTURES_DIR }, ...overrides });
  const umca = await composeUmca(config, { store: options.store ?? (await openPgliteStore()), ...options });
  // As `umca serve` does: queued runs (POST /v1/runs, umca_run, overrides) execute here.
  umca.worker.start();
  return umca;
}
