import type { PolicyResource } from './policy-engine.js';

/** The policy resource for a sandbox lane, by its name (wasm-js, wasm-python, process, gvisor). */
export function runtimeResource(lane: string): PolicyResource {
  const wasm = lane.startsWith('wasm');
  return { type: 'Runtime', id: lane, attrs: { wasm, isolation: wasm ? 'wasm' : lane === 'gvisor' ? 'gvisor' : 'namespaces' } };
}
