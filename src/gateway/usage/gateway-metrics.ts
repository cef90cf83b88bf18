import { Counter, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics, on a registry of their own (no global state). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'umca_model_requests_total',
    help: 'Model calls through the gateway',
    labelNames: ['model', 'provider', 'status', 'cached'] as const,
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'umca_model_tokens_total',
    help: 'Tokens in and out',
    labelNames: ['model', 'direction'] as const,
    registers: [this.registry],
  });
  readonly cost = new Counter({ name: 'umca_model_cost_usd_total', help: 'Spend in US dollars, from the configured price table', labelNames: ['model'] as const, registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'umca_model_latency_seconds',
    help: 'Whole call, upstream included',
    labelNames: ['model'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly ttft = new Histogram({
    name: 'umca_model_time_to_first_token_seconds',
    help: 'Streams: time to the first part',
    labelNames: ['model'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly overhead = new Histogram({
    name: 'umca_gateway_overhead_seconds',
    help: "Time the gateway itself adds to a request (everything but the upstream's)",
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
    registers: [this.registry],
  });
}
