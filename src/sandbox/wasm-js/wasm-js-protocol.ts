import type { SandboxResult } from '../sandbox-lane.js';

/** Messages between the lane (host) and its worker thread. Only plain data crosses. */
export interface RunRequest {
  type: 'run';
  id: number;
  /** Already transpiled to JavaScript, by relative path. */
  modules: Record<string, string>;
  tests: string[];
  timeoutMs: number;
  memoryBytes: number;
  outputBytes: number;
}

export interface RunResponse {
  type: 'result';
  id: number;
  result: Omit<SandboxResult, 'durationMs'>;
  /** After an out-of-memory the QuickJS module is unusable; the host replaces the worker. */
  poisoned: boolean;
}

export interface WorkerData {
  /** Hard ceiling of the worker's WebAssembly.Memory, in bytes. */
  wasmMemoryBytes: number;
}
