// The doors of one use case (HTTP, MCP through the official SDK client, the CLI beside the
// server), for tests that check they give the same outcome and the same error codes.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { exited, runCli, scratch, startCli, waitForLine, type CliResult } from './cli.js';

/** A `umca serve` in its own scratch dir. */
export interface Served {
  where: { cwd: string; env: NodeJS.ProcessEnv };
  child: ChildProcess;
  base: string;
}

export async function stop(served: Served | undefined): Promise<void> {
  if (!served) return;
  served.child.kill('SIGTERM');
  await exited(served.child);
}

/** A key made through the CLI beside the server (as a user would), used over HTTP and MCP. */
export async function key(served: Served, role: string): Promise<string> {
  const made = await cli(served, ['keys', 'create', '--role', role, '--json']);
  assert.equal(made.code, 0, made.stderr);
  return (JSON.parse(made.stdout) as { key: string }).key;
}

export const cli = (served: Served, args: string[]): Promise<CliResult> => runCli(args, served.where);

/** What a door answered: the outcome's value, or the error's code. */
export type Outcome = { ok: true; value: Record<string, unknown> } | { ok: false; code: string; message: string };

export async function http(served: Served, token: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<Outcome> {
  const answer = await fetch(`${served.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await answer.json()) as Record<string, unknown> & { error?: { code: string; message: string } };
  return answer.ok ? { ok: true, value: json } : { ok: false, code: json.error!.code, message: json.error!.message };
}

export async function mcp(served: Served, token: string, name: string, args: Record<string, unknown>): Promise<Outcome> {
  const client = new Client({ name: 'door-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', served.base), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  try {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    const content = result.structuredContent as Record<string, unknown> & { error?: { code: string; message: string } };
    return result.isError ? { ok: false, code: content.error!.code, message: content.error!.message } : { ok: true, value: content };
  } finally {
    await client.close();
  }
}

/** The CLI's answer as an outcome: `[code]` at the end of its one error line. */
export function cliOutcome(result: CliResult): Outcome {
  if (result.code === 0) return { ok: true, value: JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown> };
  const line = result.stderr.trim();
  assert.equal(line.split('\n').length, 1, `one line: ${line}`);
  const match = /^umca: (.*) \[([a-z_]+)\]$/.exec(line);
  assert.ok(match, `the error line names its code: ${line}`);
  return { ok: false, code: match[2]!, message: match[1]! };
}


/** Starts `umca serve` in a scratch dir whose umca.yaml `yaml` writes (it may set the dir up first), and waits until it listens. */
export async function serveIn(yaml: (cwd: string) => string, options: { worker?: boolean } = {}): Promise<Served> {
  const where = scratch();
  writeFileSync(join(where.cwd, 'umca.yaml'), yaml(where.cwd));
  const child = startCli(['serve', ...(options.worker === false ? ['--no-worker'] : [])], where);
  const line = await waitForLine(child, (text) => text.startsWith('umca listening on'));
  return { where, child, base: /on (http:\S+)/.exec(line)![1]! };
}
