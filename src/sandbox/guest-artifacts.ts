import type { SandboxArtifact } from './sandbox-lane.js';
import { checkJobPath, MAX_ARTIFACTS, MAX_INLINE_BYTES } from './work-dir.js';

/**
 * A guest-reported artifact list (the wasm-python child's, which lives beside the guest) as
 * the host keeps it: at most MAX_ARTIFACTS entries with a safe relative path, a finite size,
 * a SHA-256 in hex and inline text no larger than MAX_INLINE_BYTES; anything else is dropped.
 * The guest could have written any file anyway: this bounds what it says, not what it made.
 */
export function guestArtifacts(reported: unknown): SandboxArtifact[] {
  if (!Array.isArray(reported)) return [];
  const kept: SandboxArtifact[] = [];
  const seen = new Set<string>();
  for (const item of reported as unknown[]) {
    if (kept.length >= MAX_ARTIFACTS) break;
    if (typeof item !== 'object' || item === null) continue;
    const { path, size, sha256, content } = item as Record<string, unknown>;
    if (typeof path !== 'string' || checkJobPath(path) !== undefined || seen.has(path)) continue;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) continue;
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) continue;
    const text = typeof content === 'string' && Buffer.byteLength(content) <= MAX_INLINE_BYTES ? content : undefined;
    seen.add(path);
    kept.push({ path, size, sha256, ...(text !== undefined ? { content: text } : {}) });
  }
  return kept;
}
