/** What static analysis found in one generated file, with the line it is on. */
export interface CodeFact {
  file: string;
  line: number;
}

/** A module the code imports (`./a.js`, `node:fs`, `lodash/fp`, `os.path`, `.sibling`). */
export interface ImportFact extends CodeFact {
  module: string;
}

/**
 * What a use of an API can do outside the computation itself:
 * - `exec`: runs code built at run time (eval, Function, exec, __import__)
 * - `spawn`: starts processes or threads of the host (child_process, subprocess, os.system)
 * - `host`: reaches the host's process, environment or the sandbox's own machinery (process.env, ctypes, `import js`)
 * - `escape`: a known sandbox-escape pattern (constructor.constructor, Error.prepareStackTrace)
 * - `network`: opens connections (fetch, sockets, http clients)
 * - `deserialise`: unpickles data, which can run code
 */
export type ApiCategory = 'exec' | 'spawn' | 'host' | 'escape' | 'network' | 'deserialise';

export interface ApiUse extends CodeFact {
  /** As written, e.g. `os.system`, `eval`, `process.env`. */
  api: string;
  category: ApiCategory;
}

export interface CodeFacts {
  imports: ImportFact[];
  uses: ApiUse[];
  /** Files the parser gave up on (what it says, at its line): nothing in them was checked. */
  unreadable: Array<CodeFact & { message: string }>;
}
