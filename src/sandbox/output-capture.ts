/**
 * A guest's stdout and stderr, kept up to one byte limit shared by both. Bytes past the
 * limit are dropped and `exceeded` turns true, so the lane can stop the guest.
 */
export class OutputCapture {
  readonly #limit: number;
  readonly #chunks: { stdout: Buffer[]; stderr: Buffer[] } = { stdout: [], stderr: [] };
  #bytes = 0;
  exceeded = false;
  /** Called once, when the limit is first passed. */
  onExceeded: (() => void) | undefined;

  constructor(limitBytes: number) {
    this.#limit = limitBytes;
  }

  /** Keeps what fits; returns false once the limit is passed. */
  write(stream: 'stdout' | 'stderr', chunk: Buffer | string): boolean {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const room = this.#limit - this.#bytes;
    if (bytes.length > room) {
      if (room > 0) this.#chunks[stream].push(bytes.subarray(0, room));
      this.#bytes = this.#limit;
      if (!this.exceeded) {
        this.exceeded = true;
        this.onExceeded?.();
      }
      return false;
    }
    this.#chunks[stream].push(bytes);
    this.#bytes += bytes.length;
    return true;
  }

  get stdout(): string {
    return Buffer.concat(this.#chunks.stdout).toString('utf8');
  }

  get stderr(): string {
    return Buffer.concat(this.#chunks.stderr).toString('utf8');
  }
}
