import { loadConfig } from '../core/load-config.js';
import { LOCAL_PRINCIPAL } from '../core/principal.js';
import { HttpKeys } from '../services/http/http-keys.js';
import { HttpKnowledge } from '../services/http/http-knowledge.js';
import { HttpRuns } from '../services/http/http-runs.js';
import { HttpUsage } from '../services/http/http-usage.js';
import { UmcaHttpClient } from '../services/http/umca-http-client.js';
import type { ApiKeys } from '../services/keys.js';
import type { KnowledgeBases } from '../services/knowledge.js';
import type { Runs } from '../services/runs.js';
import type { Usage } from '../services/usage.js';
import type { Umca } from '../umca.js';
import { withUmca, type GlobalOptions } from './open-umca.js';
import { runningServer, type RunningServer } from './running-server.js';

/** The use cases a CLI command calls, as `user:local`: in this process, or on the server that holds the state dir. */
export interface CliSession {
  runs: Runs;
  keys: ApiKeys;
  usage: Usage;
  knowledge: KnowledgeBases;
  /** The server the session talks to, when one holds the embedded store. */
  server?: RunningServer;
  /** The product wired in this process, when no server holds the store. */
  local?: Umca;
}

/**
 * Runs `fn` with the use cases: while a `umca serve` holds this embedded state dir, over
 * its HTTP API (authenticated by the token it recorded in the state dir); otherwise in this
 * process, on the state dir or database the config names. The output and exit codes are
 * the same either way.
 */
export async function withSession<T>(options: GlobalOptions, fn: (session: CliSession) => Promise<T>): Promise<T> {
  const { config } = loadConfig(options.config === undefined ? {} : { file: options.config });
  const server = config.database_url ? undefined : runningServer(config.home);
  if (server) {
    const http = new UmcaHttpClient(server.url, server.token);
    return fn({ runs: new HttpRuns(http), keys: new HttpKeys(http), usage: new HttpUsage(http), knowledge: new HttpKnowledge(http), server });
  }
  return withUmca(options, (umca) => {
    // A policy file that does not parse or validate stops here, before anything is done (as `umca serve` does).
    umca.policy.ready();
    return fn({ runs: umca.runs.for(LOCAL_PRINCIPAL), keys: umca.keys.for(LOCAL_PRINCIPAL), usage: umca.usage.for(LOCAL_PRINCIPAL), knowledge: umca.knowledge.for(LOCAL_PRINCIPAL), local: umca });
  });
}
