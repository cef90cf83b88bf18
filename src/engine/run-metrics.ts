import { Counter, Gauge, type Registry } from 'prom-client';
import type { Bus } from '../bus/bus.js';
import type { Engine } from './engine.js';
import type { Worker } from './worker.js';

/**
 * The run plane's Prometheus metrics, read when /metrics is scraped: runs waiting in the
 * queue, runs executing in this process, and leases this process took over from a holder
 * that stopped heartbeating (a worker that died or was cut off).
 */
export function registerRunMetrics(registry: Registry, deps: { bus: Bus; engine: Engine; worker: Worker }): void {
  new Gauge({
    name: 'umca_queue_depth',
    help: 'Runs waiting for a worker (the whole queue, shared by every worker)',
    registers: [registry],
    async collect() {
      this.set(await deps.bus.queueDepth().catch(() => Number.NaN));
    },
  });
  new Gauge({
    name: 'umca_runs_in_flight',
    help: 'Runs this process is executing now',
    registers: [registry],
    collect() {
      this.set(deps.engine.inFlight);
    },
  });
  let counted = 0;
  new Counter({
    name: 'umca_lease_expiries_total',
    help: 'Runs this process took over after their lease lapsed (their worker stopped heartbeating)',
    registers: [registry],
    collect() {
      this.inc(deps.worker.leasesTakenOver - counted);
      counted = deps.worker.leasesTakenOver;
    },
  });
  new Gauge({
    name: 'umca_bus_connected',
    help: '1 while the bus carries messages (NATS: connected), else 0',
    registers: [registry],
    collect() {
      this.set(deps.bus.healthy ? 1 : 0);
    },
  });
}
