/** Egress grants: which hosts and ports a run's sandboxed tests may reach (`allowed_outbound_hosts`). */
import { isIP } from 'node:net';

/** One allowed destination. `host` is lower-case; `*.example.com` matches its subdomains. */
export interface EgressRule {
  host: string;
  /** Undefined: any port. */
  port?: number;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443 };

/**
 * Parses `allowed_outbound_hosts` entries: `host:port`, `host:*`, `*.example.com:443`,
 * `https://example.com` (the scheme's port) or `http://127.0.0.1:8080`. Names the bad entry.
 */
export function parseEgressRules(entries: readonly string[]): { rules: EgressRule[]; error?: string } {
  const rules: EgressRule[] = [];
  for (const entry of entries) {
    const rule = parseEntry(entry.trim());
    if (!rule) return { rules, error: `allowed_outbound_hosts entry ${JSON.stringify(entry)} is not host:port, host:* or scheme://host[:port]` };
    rules.push(rule);
  }
  return { rules };
}

function parseEntry(entry: string): EgressRule | undefined {
  let scheme: string | undefined;
  let rest = entry;
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(entry);
  if (schemeMatch) {
    scheme = schemeMatch[1]!.toLowerCase();
    rest = schemeMatch[2]!.replace(/\/$/, '');
  }
  const match = /^(\[[0-9a-f:.]+\]|[^:/\s[\]]+)(?::(\d{1,5}|\*))?$/i.exec(rest);
  if (!match) return undefined;
  const host = match[1]!.replace(/^\[|\]$/g, '').toLowerCase();
  if (!isIP(host) && !/^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host)) return undefined;
  const portText = match[2];
  if (portText === '*') return { host };
  if (portText !== undefined) {
    const port = Number(portText);
    return port >= 1 && port <= 65_535 ? { host, port } : undefined;
  }
  const port = scheme ? DEFAULT_PORTS[scheme] : undefined;
  return port === undefined ? undefined : { host, port };
}

/** The rule that lets the guest reach host:port, if any. */
export function matchRule(rules: readonly EgressRule[], host: string, port: number): EgressRule | undefined {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return rules.find((rule) => (rule.port === undefined || rule.port === port) && (rule.host === name || (rule.host.startsWith('*.') && name.endsWith(rule.host.slice(1)))));
}
