import { z } from 'zod';
import { RUNTIME_PREFERENCES } from '../core/run-options.js';
import { RUN_STATUSES } from '../core/run.js';
import { KB_NAME } from './knowledge-input.js';

/**
 * What a caller gives to start a run, one schema for every door: the HTTP body, the MCP
 * tool's arguments (whose descriptions these are) and the CLI's flags all parse into it.
 */
export const startRunShape = {
  spec: z.string().max(1_000_000).optional().describe('what to build, in plain words; optional only for a scripted model that carries its own'),
  model: z.string().min(1).max(300).optional().describe("a model reference: scripted:demo, a provider or alias from umca.yaml, provider/model; default: the config's"),
  runtime: z.enum(RUNTIME_PREFERENCES).optional().describe('where tests run: auto (default), wasm, process, gvisor (the process lane under gVisor); policy decides'),
  allowed_outbound_hosts: z.array(z.string().min(1)).max(100).optional().describe('network for the tests (host:port); policy decides each'),
  references: z
    .array(z.strictObject({ name: z.string(), content: z.string() }))
    .max(100)
    .optional()
    .describe('documents the research may cite as ref:<name>'),
  tools: z.array(z.string()).max(200).optional().describe('only these MCP tools (server.tool) for the agents'),
  kb: z.array(KB_NAME).max(20).optional().describe('knowledge bases the research searches and cites as kb:<kb>/<doc>#<chunk> (umca kb list)'),
  repo: z
    .string()
    .min(1)
    .max(4_096)
    .optional()
    .describe("a git repository to work on instead of building from nothing: an absolute path on the server's disk or an http(s) URL; the run hands back a branch umca/<run-id> and a patch"),
  ref: z.string().min(1).max(200).optional().describe('with repo: the branch, tag or commit to start from (default HEAD)'),
  test_command: z.string().min(1).max(2_000).optional().describe("with repo: the command that runs the repository's tests (default: detected from package.json, pytest, go.mod, Cargo.toml or a Makefile)"),
};
export const startRunInput = z.strictObject(startRunShape).superRefine((input, ctx) => {
  for (const field of ['ref', 'test_command'] as const)
    if (input[field] !== undefined && input.repo === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'only with repo (the repository to work on)' });
});
export type StartRunInput = z.infer<typeof startRunInput>;

export const MAX_LIST_LIMIT = 500;

/** Which runs to list: a status, text in the spec, a page size and where the page starts. */
export const listRunsInput = z.strictObject({
  status: z.enum(RUN_STATUSES, { error: `expected one of ${RUN_STATUSES.join(', ')}` }).optional(),
  limit: z.number().int().min(1).max(MAX_LIST_LIMIT).optional(),
  before: z.string().min(1).max(100).optional(),
  q: z.string().max(200).optional(),
});
export type ListRunsInput = z.infer<typeof listRunsInput>;

export const overrideInput = z.strictObject({ reason: z.string() });

/** The largest event seq there can be (a PostgreSQL integer). */
export const MAX_SEQ = 2_147_483_647;
