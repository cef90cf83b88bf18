import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DocumentReader, ReadDocument, ReadRequest } from '../document-reader.js';
import { DocumentParseError } from '../parse-document.js';
import { READY, type ReadMessage, type ReadReply } from './reader-protocol.js';

// Built, the worker is reader-worker.js. From source (tests under tsx) it is reader-worker.ts,
// loaded through tsx's ESM hooks registered inside the worker first.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './reader-worker.ts' : './reader-worker.js', import.meta.url);
const WORKER_ENTRY: string | URL = FROM_SOURCE
  ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`
  : WORKER_URL;

export interface WorkerReaderOptions {
  /** Worker threads (0: one per CPU but one, at least 1, at most 4). */
  workers: number;
  /** The most reading one source may take (knowledge.parse_timeout_ms). */
  timeoutMs: number;
  /** The heap of one worker (knowledge.parse_memory_mb). */
  memoryMb: number;
}

interface Task {
  id: number;
  request: ReadRequest;
  resolve(document: ReadDocument): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  /** It has said it is ready (see READY). */
  ready: boolean;
  /** Sent to it, in order; it reads the first. */
  tasks: Task[];
  /** The first task's time limit. */
  timer: NodeJS.Timeout | undefined;
}

/**
 * Sources sent to a worker before it has answered the first: it goes on to the next while
 * this thread is busy (writing a batch) and has not yet taken its answer.
 */
const DEPTH = 64;

/**
 * Reads sources in worker threads, so parsing the next sources overlaps embedding and writing
 * the ones before, and a source cannot hold or exhaust the process: one that takes longer than
 * `timeoutMs`, or more heap than `memoryMb`, fails with a DocumentParseError saying so, and its
 * worker is replaced (the sources queued behind it go to the next worker). A worker is sent a
 * few sources ahead and reads them in order; the time limit runs for the one it is reading,
 * from when the one before it was answered (or sent), so it bounds each source's reading.
 * Idle workers do not keep the process alive.
 */
export class WorkerDocumentReader implements DocumentReader {
  readonly #options: WorkerReaderOptions;
  readonly #size: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Task[] = [];
  #next = 0;
  #closed = false;

  constructor(options: WorkerReaderOptions) {
    this.#options = options;
    this.#size = options.workers > 0 ? options.workers : Math.min(4, Math.max(1, availableParallelism() - 1));
  }

  read(request: ReadRequest, signal?: AbortSignal): Promise<ReadDocument> {
    if (this.#closed) return Promise.reject(new Error('the document reader is closed'));
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<ReadDocument>((resolve, reject) => {
      const task: Task = { id: (this.#next += 1), request, resolve, reject };
      if (signal) {
        const onAbort = () => {
          const queued = this.#queue.indexOf(task);
          if (queued >= 0) this.#queue.splice(queued, 1);
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const settle = <T>(fn: (value: T) => void) => (value: T) => {
          signal.removeEventListener('abort', onAbort);
          fn(value);
        };
        task.resolve = settle(resolve);
        task.reject = settle(reject);
      }
      this.#queue.push(task);
      this.#pump();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const task of this.#queue.splice(0)) task.reject(new Error('the document reader is closed'));
    await Promise.all(this.#slots.splice(0).map((slot) => this.#stop(slot, new Error('the document reader is closed'))));
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      // The ready worker with the fewest sources in hand, if any has room.
      const slot = this.#slots.filter((s) => s.ready && s.tasks.length < DEPTH).sort((a, b) => a.tasks.length - b.tasks.length)[0];
      const idle = slot?.tasks.length === 0;
      if (!idle && this.#slots.length < this.#size && !this.#slots.some((s) => !s.ready)) this.#spawn(); // ready soon, then it takes from the queue
      if (!slot) return;
      const task = this.#queue.shift()!;
      slot.tasks.push(task);
      slot.worker.ref();
      if (slot.tasks.length === 1) this.#arm(slot);
      slot.worker.postMessage({ id: task.id, request: task.request } satisfies ReadMessage);
    }
  }

  /** The time limit for the source the worker reads now. */
  #arm(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => {
      void this.#replace(slot, new DocumentParseError(`took longer than knowledge.parse_timeout_ms (${this.#options.timeoutMs} ms) to read`));
    }, this.#options.timeoutMs);
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_ENTRY, {
      eval: FROM_SOURCE,
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: this.#options.memoryMb },
      stdout: true,
      stderr: true,
    });
    // What a parser prints (pdf.js warns about fonts) is not the process's to show.
    worker.stdout.resume();
    worker.stderr.resume();
    const slot: Slot = { worker, ready: false, tasks: [], timer: undefined };
    worker.on('message', (reply: ReadReply | typeof READY) => {
      if (reply === READY) {
        slot.ready = true;
        this.#pump();
        return;
      }
      const task = slot.tasks[0];
      if (!task || reply.id !== task.id) return;
      slot.tasks.shift();
      clearTimeout(slot.timer);
      if (slot.tasks.length > 0) this.#arm(slot);
      else slot.worker.unref();
      if (reply.ok) task.resolve(reply.document);
      else task.reject(reply.parse ? new DocumentParseError(reply.message) : new Error(`reading ${task.request.source}: ${reply.message}`));
      this.#pump();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const reason =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new DocumentParseError(`needed more than knowledge.parse_memory_mb (${this.#options.memoryMb} MB) to read`)
          : new Error(`the document reader failed: ${error.message}`);
      void this.#replace(slot, reason);
    });
    worker.on('exit', () => {
      if (this.#slots.includes(slot)) void this.#replace(slot, new Error('the document reader stopped'));
    });
    worker.unref();
    this.#slots.push(slot);
    return slot;
  }

  /** Takes a worker out (the source it was reading failed with `reason`); the sources behind it go back to the queue's front. */
  async #replace(slot: Slot, reason: Error): Promise<void> {
    const at = this.#slots.indexOf(slot);
    if (at < 0) return;
    this.#slots.splice(at, 1);
    const [reading, ...behind] = slot.tasks;
    slot.tasks = reading ? [reading] : [];
    this.#queue.unshift(...behind);
    await this.#stop(slot, reason);
    if (!this.#closed) this.#pump();
  }

  async #stop(slot: Slot, reason: Error): Promise<void> {
    clearTimeout(slot.timer);
    for (const task of slot.tasks.splice(0)) task.reject(reason);
    await slot.worker.terminate();
  }
}
