import type { SandboxResult } from '../sandbox-lane.js';

/** What the worker reports; the host adds artifacts (none: the guest has no file system) and timings. */
export type GuestResult = Omit<SandboxResult, 'durationMs' | 'artifacts' | 'usage'>;

/** Messages between the lane (host) and its worker thread. Only plain data crosses. */
export interface RunRequest {
  type: 'run';
  id: number;
  /** Already transpiled to JavaScript, by relative path. */
  modules: Record<string, string>;
  /** Test files to run, or... */
  tests: string[];
  /** ...one program to run instead. */
  entry?: string;
  timeoutMs: number;
  memoryBytes: number;
  outputBytes: number;
}

export interface RunResponse {
  type: 'result';
  id: number;
  result: GuestResult;
  /** After an out-of-memory the QuickJS module is unusable; the host replaces the worker. */
  poisoned: boolean;
}

export interface WorkerData {
  /** Hard ceiling of the worker's WebAssembly.Memory, in bytes. */
  wasmMemoryBytes: number;
}
