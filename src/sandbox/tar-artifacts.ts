import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import type { SandboxArtifact } from './sandbox-lane.js';
import { checkJobPath, MAX_ARTIFACTS, MAX_INLINE_BYTES } from './work-dir.js';

/**
 * The job's artifacts from the archive the sandbox wrote of its work dir (guest-runners.ts
 * SUPERVISOR): regular files the guest created or changed, by path, size and SHA-256, with
 * their content when small. The archive is guest-made data: it is read from a file the host
 * created (no link, no FIFO), at most `maxBytes` of it, and only plain-file entries with
 * normalised relative paths count; links, devices, `..` and absolute names are skipped.
 * A truncated or malformed archive yields the artifacts before the damage.
 */
export async function artifactsFromTar(file: string, inputs: ReadonlyMap<string, string>, maxBytes: number): Promise<SandboxArtifact[]> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return [];
  }
  const info = await handle.stat().catch(() => undefined);
  if (!info?.isFile() || info.size === 0) {
    await handle.close();
    return [];
  }
  const found: SandboxArtifact[] = [];
  const parser = new Parser({
    strict: false,
    maxMetaEntrySize: 64 * 1024,
    onReadEntry: (entry: ReadEntry) => {
      const path = entry.path.replace(/^\.\//, '');
      if (entry.type !== 'File' || found.length >= MAX_ARTIFACTS || checkJobPath(path) !== undefined) {
        entry.resume();
        return;
      }
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      let size = 0;
      entry.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
        if (size <= MAX_INLINE_BYTES) chunks.push(chunk);
      });
      entry.on('end', () => {
        // An entry cut short (a truncated archive, the byte bound) is no artifact.
        if (size !== entry.size) return;
        const digest = hash.digest('hex');
        if (inputs.get(path) === digest) return;
        found.push({ path, size, sha256: digest, ...(size <= MAX_INLINE_BYTES ? { content: Buffer.concat(chunks).toString('utf8') } : {}) });
      });
    },
  });
  parser.on('warn', () => undefined);
  await pipeline(createReadStream('', { fd: handle, start: 0, end: Math.min(info.size, maxBytes) - 1 }), parser).catch(() => undefined);
  return found.sort((a, b) => a.path.localeCompare(b.path));
}
