import type { PolicyDecision, PolicyEngine, PolicyRequest } from './policy-engine.js';

/**
 * A policy engine made on first use: loading Cedar's WebAssembly module and validating the
 * policies costs ~0.5 s, which CLI commands that never decide anything should not pay.
 * `umca serve` calls `ready()` before it listens, so a bad policy file still stops start-up.
 */
export class DeferredPolicyEngine implements PolicyEngine {
  readonly #make: () => PolicyEngine;
  #engine: PolicyEngine | undefined;

  constructor(readonly name: string, make: () => PolicyEngine) {
    this.#make = make;
  }

  /** Loads (and validates) now; throws what loading throws. */
  ready(): PolicyEngine {
    this.#engine ??= this.#make();
    return this.#engine;
  }

  decide(request: PolicyRequest): Promise<PolicyDecision> {
    return this.ready().decide(request);
  }
}
