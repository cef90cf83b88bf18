import type { Readable } from 'node:stream';

/**
 * Lines from a stream a guest can write to, with a bound on all the bytes it may send: past
 * `maxBytes` (set per job with `setBudget`) nothing more is buffered and `onOverflow` is
 * called once, so a guest that writes one endless line cannot grow the host's memory.
 */
export class BoundedLines {
  #buffered = '';
  #bytes = 0;
  #maxBytes: number;
  #overflowed = false;

  constructor(stream: Readable, maxBytes: number, onLine: (line: string) => void, onOverflow: () => void) {
    this.#maxBytes = maxBytes;
    stream.on('data', (chunk: Buffer) => {
      if (this.#overflowed) return;
      this.#bytes += chunk.length;
      if (this.#bytes > this.#maxBytes) {
        this.#overflowed = true;
        this.#buffered = '';
        onOverflow();
        return;
      }
      const lines = (this.#buffered + chunk.toString('utf8')).split('\n');
      this.#buffered = lines.pop()!;
      for (const line of lines) onLine(line);
    });
    stream.on('error', () => undefined);
  }

  /** Allows `maxBytes` more from now on (a new job on a warm child). */
  setBudget(maxBytes: number): void {
    this.#maxBytes = this.#bytes + maxBytes;
  }
}
