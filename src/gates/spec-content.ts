/** Secrets a spec must never carry: it is stored in the log forever and sent to models. */
const SECRET_PATTERNS: Array<{ name: string; pattern: RegExp }> = [
  { name: 'a private key', pattern: /-----BEGIN (?:RSA |EC |OPENSSH |DSA |PGP |ENCRYPTED )?PRIVATE KEY( BLOCK)?-----/ },
  { name: 'an AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'a GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b/ },
  { name: 'an OpenAI-style API key', pattern: /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}\b/ },
  { name: 'a Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/ },
  { name: 'a Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { name: 'a umca API key', pattern: /\bumca_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\b/ },
  { name: 'a JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/ },
  { name: 'a password or secret assignment', pattern: /\b(?:password|passwd|secret|api[_-]?key|access[_-]?token)\s*[:=]\s*["']?[^\s"']{8,}/i },
];

/** Phrases that try to steer the agents away from the spec (prompt injection). */
const INJECTION_MARKERS: Array<{ name: string; pattern: RegExp }> = [
  { name: 'asks to ignore earlier instructions', pattern: /\b(?:ignore|disregard|forget)\b.{0,30}\b(?:previous|prior|above|earlier|all)\b.{0,20}\b(?:instructions?|prompts?|rules?)\b/i },
  { name: 'claims a new system prompt or role', pattern: /(?:^|\n)\s*(?:system|assistant)\s*:|\byou are now\b|\bnew (?:system )?instructions?\b/i },
  { name: 'asks to reveal the prompt or secrets', pattern: /\b(?:reveal|print|show|leak|exfiltrate)\b.{0,30}\b(?:system prompt|instructions|api keys?|secrets?|environment variables?)\b/i },
  { name: 'chat-template control tokens', pattern: /<\|(?:im_start|im_end|system|endoftext)\|>|\[\/?INST\]/ },
];

export interface SpecFinding {
  name: string;
  /** Where, as a 1-based line number. */
  line: number;
}

function find(spec: string, patterns: Array<{ name: string; pattern: RegExp }>): SpecFinding[] {
  const found: SpecFinding[] = [];
  for (const { name, pattern } of patterns) {
    const match = pattern.exec(spec);
    if (match) found.push({ name, line: spec.slice(0, match.index).split('\n').length });
  }
  return found;
}

export const findSecrets = (spec: string): SpecFinding[] => find(spec, SECRET_PATTERNS);
export const findInjectionMarkers = (spec: string): SpecFinding[] => find(spec, INJECTION_MARKERS);
