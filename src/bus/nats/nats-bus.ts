import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ConfigError, UmcaError } from '../../core/errors.js';
import type { Bus, BusHandler, WorkConsumer, WorkItem } from '../bus.js';

export interface NatsBusOptions {
  url: string;
  /** The work-queue stream; its subject is `umca.queue.<stream>`. */
  stream: string;
  replicas: number;
  maxAgeMs: number;
  ackWaitMs: number;
  /** Name this connection shows in NATS's monitoring. */
  name?: string;
  onError?: (error: unknown, subject: string) => void;
}

const CONSUMER = 'umca-workers';

/**
 * NATS JetStream: events published on `umca.events.<run_id>` (core NATS, at most once: the
 * store is the record); runs queued on a work-queue stream read by one durable pull
 * consumer that every worker shares, so each run goes to one worker at a time and again
 * when its worker stops acknowledging it. The client reconnects for ever; `healthy` says
 * whether it is connected now.
 */
export class NatsBus implements Bus {
  readonly kind = 'nats';
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #options: NatsBusOptions;
  readonly #subject: string;
  #connected = true;
  readonly #consumers = new Set<WorkConsumer>();

  private constructor(nc: NatsConnection, jsm: JetStreamManager, options: NatsBusOptions) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#js = jetstream(nc);
    this.#options = options;
    this.#subject = `umca.queue.${options.stream}`;
    void this.#watchStatus();
  }

  /** Connects and makes sure the stream and its consumer exist; one line naming the URL when it cannot. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: options.url, name: options.name ?? 'umca', reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: 5_000 });
    } catch (error) {
      throw new ConfigError(`cannot reach NATS at ${options.url}: ${(error as Error).message}`);
    }
    try {
      const jsm = await jetstreamManager(nc);
      const subject = `umca.queue.${options.stream}`;
      const stream = { name: options.stream, subjects: [subject], retention: RetentionPolicy.Workqueue, storage: StorageType.File, num_replicas: options.replicas, max_age: options.maxAgeMs * 1_000_000 };
      await jsm.streams.info(options.stream).then(
        () => jsm.streams.update(options.stream, { subjects: stream.subjects, num_replicas: stream.num_replicas, max_age: stream.max_age }),
        () => jsm.streams.add(stream),
      );
      // umca counts deliveries itself (workers dead-letter a run past nats.max_deliver), so NATS never drops one.
      const consumer = { durable_name: CONSUMER, ack_policy: AckPolicy.Explicit, ack_wait: options.ackWaitMs * 1_000_000, max_deliver: -1, max_ack_pending: -1 };
      await jsm.consumers.info(options.stream, CONSUMER).then(
        () => jsm.consumers.update(options.stream, CONSUMER, { ack_wait: consumer.ack_wait, max_deliver: -1, max_ack_pending: -1 }),
        () => jsm.consumers.add(options.stream, consumer),
      );
      return new NatsBus(nc, jsm, options);
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw new ConfigError(`NATS at ${options.url}: cannot set up JetStream stream ${options.stream} (${(error as Error).message}); is JetStream enabled (nats-server -js)?`);
    }
  }

  get healthy(): boolean {
    return this.#connected && !this.#nc.isClosed();
  }

  publish(subject: string, message: unknown): void {
    try {
      this.#nc.publish(subject, JSON.stringify(message));
    } catch (error) {
      // Closed or over the reconnect buffer: subscribers read the store instead.
      this.#options.onError?.(error, subject);
    }
  }

  subscribe(subject: string, handler: BusHandler): () => void {
    const subscription = this.#nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error) return;
        try {
          handler(msg.json(), msg.subject);
        } catch (thrown) {
          (this.#options.onError ?? ((e: unknown, s: string) => process.emitWarning(`bus subscriber of ${s} threw: ${String(e)}`)))(thrown, msg.subject);
        }
      },
    });
    let done = false;
    return () => {
      if (done) return;
      done = true;
      subscription.unsubscribe();
    };
  }

  async enqueue(runId: string, options: { key?: string } = {}): Promise<void> {
    try {
      await this.#js.publish(this.#subject, JSON.stringify({ runId }), options.key ? { msgID: options.key } : {});
    } catch (error) {
      throw new UmcaError('queue_unavailable', `cannot queue run ${runId}: NATS at ${this.#options.url} is not answering (${(error as Error).message})`, { status: 503, isRetryable: true });
    }
  }

  consume(handler: (item: WorkItem) => Promise<void>, options: { concurrency: number }): WorkConsumer {
    let stopped = false;
    let messages: ConsumerMessages | undefined;
    const active = new Set<Promise<void>>();
    const loop = (async () => {
      while (!stopped) {
        try {
          const consumer = await this.#js.consumers.get(this.#options.stream, CONSUMER);
          messages = await consumer.consume({ max_messages: options.concurrency });
          for await (const msg of messages) {
            if (stopped) {
              msg.nak();
              break;
            }
            const task = this.#handle(msg, handler).finally(() => active.delete(task));
            active.add(task);
            while (active.size >= options.concurrency && !stopped) await Promise.race(active);
          }
        } catch {
          // Lost the connection or the consumer: wait a moment and pull again.
          if (!stopped) await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    })();
    const consumer: WorkConsumer = {
      stop: async () => {
        if (stopped) return;
        stopped = true;
        this.#consumers.delete(consumer);
        await messages?.close().catch(() => undefined);
        // The server must see the unsubscribe before stop() resolves: a pull request it still
        // holds for this consumer would take the next run and keep it for ack_wait.
        await this.#nc.flush().catch(() => undefined);
        await Promise.allSettled([...active]);
        await loop;
      },
    };
    this.#consumers.add(consumer);
    return consumer;
  }

  async queueDepth(): Promise<number> {
    return (await this.#jsm.consumers.info(this.#options.stream, CONSUMER)).num_pending;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#consumers].map((consumer) => consumer.stop()));
    await this.#nc.drain().catch(() => this.#nc.close());
  }

  async #handle(msg: JsMsg, handler: (item: WorkItem) => Promise<void>): Promise<void> {
    let settled = false;
    const once = (fn: () => void) => () => {
      if (settled) return;
      settled = true;
      fn();
    };
    const runId = (msg.json() as { runId: string }).runId;
    const item: WorkItem = {
      runId,
      deliveries: msg.info.deliveryCount,
      ack: once(() => msg.ack()),
      nak: (delayMs?: number) => once(() => msg.nak(delayMs))(),
      working: () => {
        if (!settled) msg.working();
      },
      term: once(() => msg.term()),
    };
    try {
      await handler(item);
    } catch {
      item.nak();
    }
    if (!settled) item.nak();
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnecting') this.#connected = false;
      if (status.type === 'reconnect') this.#connected = true;
      if (status.type === 'close') this.#connected = false;
    }
  }
}
