/**
 * Publish/subscribe for live events. The store is the record; the bus only carries
 * news of what was stored, so a subscriber that misses a message reads the store.
 */
export type BusHandler = (message: unknown, subject: string) => void;

export interface Bus {
  /** Delivers to every current subscriber of `subject`. MUST NOT throw for a failing subscriber. */
  publish(subject: string, message: unknown): void;
  /**
   * `subject` is exact, or ends in `.>` to match every subject under that prefix (as in NATS).
   * Returns an unsubscribe function that is safe to call twice.
   */
  subscribe(subject: string, handler: BusHandler): () => void;
  close(): Promise<void>;
}

export const eventSubject = (runId: string): string => `umca.events.${runId}`;
