import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Bus } from '../../src/bus/bus.js';
import { MemoryBus } from '../../src/bus/memory/memory-bus.js';
import { NatsBus } from '../../src/bus/nats/nats-bus.js';

export interface BusBackend {
  name: string;
  /** A bus on a fresh queue; `open(same)` gives another process's bus on the same queue. */
  open(options?: { onError?: (error: unknown, subject: string) => void; ackWaitMs?: number }): Promise<{ bus: Bus; sibling(): Promise<Bus>; dispose(): Promise<void> }>;
}

/**
 * The buses this machine has: in-process always; NATS JetStream when UMCA_TEST_NATS_URL is
 * set (CI sets it to the machine's server). Each NATS bus gets a stream of its own.
 */
export function busBackends(): BusBackend[] {
  const backends: BusBackend[] = [
    {
      name: 'memory',
      async open(options = {}) {
        const bus = new MemoryBus(options.onError ? { onError: options.onError } : {});
        return { bus, sibling: async () => bus, dispose: () => bus.close() };
      },
    },
  ];
  const url = process.env.UMCA_TEST_NATS_URL;
  if (url) {
    backends.push({
      name: 'nats',
      async open(options = {}) {
        const stream = `UMCA_TEST_${randomBytes(5).toString('hex')}`;
        const settings = { url, stream, replicas: 1, maxAgeMs: 0, ackWaitMs: options.ackWaitMs ?? 30_000, ...(options.onError ? { onError: options.onError } : {}) };
        const opened: Bus[] = [await NatsBus.connect(settings)];
        return {
          bus: opened[0]!,
          async sibling() {
            const bus = await NatsBus.connect(settings);
            opened.push(bus);
            return bus;
          },
          async dispose() {
            await Promise.all(opened.map((bus) => bus.close().catch(() => undefined)));
            await deleteStream(url, stream);
          },
        };
      },
    });
  }
  return backends;
}

export async function deleteStream(url: string, stream: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
  } finally {
    await nc.close();
  }
}
