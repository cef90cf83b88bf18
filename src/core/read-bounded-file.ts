import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Reads a file someone else could have made (a guest's output, a fixture, a link planted in a
 * directory), as the host: without following a link at the last
 * component (O_NOFOLLOW), without blocking on a FIFO or a device (O_NONBLOCK, then only a
 * regular file is read), and at most `maxBytes` of it. Undefined when there is no such
 * regular file; `truncated` when it held more than `maxBytes`.
 */
export async function readBoundedFile(path: string, maxBytes: number): Promise<{ text: string; truncated: boolean } | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    const length = Math.min(info.size, maxBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return { text: buffer.subarray(0, bytesRead).toString('utf8'), truncated: info.size > maxBytes };
  } finally {
    await handle.close();
  }
}
