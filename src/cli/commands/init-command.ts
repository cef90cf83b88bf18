import { existsSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { CliError } from '../cli-error.js';

export const STARTER_CONFIG = `# umca configuration. Every field is optional; these are the defaults.
# Environment overrides: UMCA_HOME (state dir), UMCA_DATABASE_URL (postgres://… selects PostgreSQL).

# Where runs, artifacts and the embedded database live (relative to this file).
home: .umca

# PostgreSQL instead of the embedded PGlite, e.g. postgres://user@127.0.0.1:5432/umca
# database_url: postgres://127.0.0.1:5432/umca

# The model runs use unless they name one: scripted:demo, a provider below, or provider/model.
model: scripted:demo

# Model servers speaking the OpenAI chat-completions protocol
# (Ollama, vLLM, SGLang, LocalAI, llama.cpp server, OpenAI, DeepSeek, …).
providers: {}
#  local:
#    type: openai-compatible
#    preset: ollama                        # fills base_url (and the key variable) for a known server
#    base_url: http://127.0.0.1:11434/v1   # or say where it listens
#    model: qwen2.5-coder:7b
#    api_key_env: OLLAMA_API_KEY           # read the key from this variable (or api_key: …)
#    timeout_ms: 120000

# Aliases route one name over several providers (see docs/gateway.md).
aliases: {}
#  planner: [deepseek, local]            # fallback, in order
#  coder:
#    strategy: weighted                  # or least-latency
#    targets: [{ model: local, weight: 3 }, { model: deepseek, weight: 1 }]

routing:
  max_attempts: 3                # per upstream, the first try included (429, 5xx, timeouts)
  backoff_initial_ms: 200        # jittered exponential backoff, never shorter than Retry-After
  backoff_max_ms: 10000
  breaker_failures: 5            # consecutive failures that open an upstream's circuit
  breaker_half_open_ms: 30000
  first_token_timeout_ms: 30000
  total_timeout_ms: 120000

budgets: {}                      # limits per caller key and per pipeline role (docs/gateway.md)
#  per_key: { requests_per_min: 60, tokens_per_min: 200000, usd_per_day: 20 }
#  roles:
#    coder: { tokens_per_min: 100000 }

prices: {}                       # US dollars per million tokens, for usage and spend limits
#  deepseek-chat: { input_per_mtok: 0.27, output_per_mtok: 1.10 }

cache:                           # exact-match reply cache of the OpenAI-compatible API
  enabled: false
  ttl_ms: 300000
  max_entries: 1000
  max_bytes: 67108864

server:
  host: 127.0.0.1
  port: 7070

limits:
  spec_max_chars: 20000        # longer specs are refused with 400
  references_max_chars: 200000 # a run's reference documents, all together
  request_body_bytes: 1048576  # larger request bodies are refused with 413

pipeline:
  max_plan_retries: 2          # invalid planner/coder replies sent back with the error
  max_code_attempts: 3         # coder -> tester rounds before the run fails
  roles: {}                    # a model (usually an alias) per role instead of the run's model
  #  planner: planner
  #  researcher: planner
  #  coder: coder
  #  judge: planner             # the gates' rubric judge

# Quality gates (docs/gates.md). Policy denials always block; thresholds are for quality.
gates:
  g0: { threshold: 0.5 }       # intake: secrets in the spec block, injection flags pass at 0.5
  g1: { threshold: 0.8, judge: true }  # plan completeness: structure + an LLM-judge rubric
  g2: { threshold: 0.5 }       # research provenance: the share of findings whose citations hold
  g3:                          # code: forbidden APIs, secrets, dependencies, licences, lane
    threshold: 0.5
    dependencies: {}           # third-party packages the code may use, with their licence
    #  left-pad: { license: MIT }
    allowed_licenses: [MIT, Apache-2.0, BSD-2-Clause, BSD-3-Clause, ISC, 0BSD, PSF-2.0, Unlicense]

# Scale-out: PostgreSQL (database_url) and NATS JetStream let any number of "umca serve"
# and "umca worker" processes share the runs (docs/scaling.md).
nats:
  # url: nats://127.0.0.1:4222 # or UMCA_NATS_URL; without one, the in-process bus
  stream: UMCA_RUNS            # the work-queue stream runs wait in
  replicas: 1
  max_age_ms: 0                # how long a queued run may wait (0: forever)
  ack_wait_ms: 30000           # a delivery not heartbeated this long goes to another worker
  max_deliver: 5               # deliveries before a run is dead-lettered and failed
workers:
  concurrency: 4               # runs one worker process executes at once
  lease_ms: 30000              # a dead worker's runs are taken over this long after its last heartbeat
  max_queue_depth: 1000        # more waiting runs: POST /v1/runs answers 429 with Retry-After
retention: {}
#  archive_events_after_days: 30   # compress ended runs' events (still readable and verifiable)

# External MCP servers whose tools the agents may call (the shape of VS Code's mcp.json;
# docs/mcp.md). Each call is a policy decision (use-tool) and on the run's log.
mcp:
  servers: {}
  #  everything:
  #    type: stdio
  #    command: npx
  #    args: [-y, "@modelcontextprotocol/server-everything"]
  #  search:
  #    type: http
  #    url: https://mcp.example.com/mcp
  #    headers: { Authorization: "Bearer \${env:SEARCH_TOKEN}" }
  call_timeout_ms: 30000       # one tool call
  connect_timeout_ms: 20000    # a server's start and tool listing
  max_result_bytes: 1048576    # a bigger answer fails the call and restarts the server
  max_tool_calls: 8            # per agent step (planner, researcher, coder)

sandbox:
  timeout_ms: 5000             # wall clock per test run
  memory_mb: 64                # guest memory
  output_bytes: 1048576        # console output kept; more stops the guest
  python_pool: 1               # Pyodide children kept loaded for Python tests
  # Network for tests (host:port, host:*, https://host), reached through umca's egress
  # proxy; needs the process lane. Nothing is reachable by default. Who may use the process
  # lane and egress is policy (policies/default.cedar: operators and admins).
  allowed_outbound_hosts: []
`;

export function initCommand(): Command {
  return new Command('init')
    .description('write a starter umca.yaml with comments')
    .option('--force', 'overwrite an existing umca.yaml')
    .option('-o, --output <file>', 'where to write it', 'umca.yaml')
    .action((options: { force?: boolean; output: string }) => {
      if (existsSync(options.output) && !options.force) throw new CliError(`${options.output} exists; use --force to overwrite it`);
      writeFileSync(options.output, STARTER_CONFIG);
      process.stdout.write(`wrote ${options.output}\n`);
    });
}
