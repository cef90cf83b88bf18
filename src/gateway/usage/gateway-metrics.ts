import { Counter, Histogram, Registry } from 'prom-client';
import type { UsageRecord } from '../../core/run.js';

/** One label set's running totals and its latency histogram child. */
interface Series {
  labels: { model: string; provider: string; status: string; cached: string };
  requests: number;
  tokensIn: number;
  tokensOut: number;
  cost: number;
}

/**
 * The gateway's Prometheus metrics, on a registry of their own (no global state). Counters
 * are kept as plain numbers per label set and handed to prom-client when /metrics is
 * scraped: prom-client hashes a label object on every `inc`, a measurable cost per request
 * on the gateway's hot path (docs/benchmarks.md). Histograms are observed as they come.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #series = new Map<string, Series>();
  readonly requests: Counter<'model' | 'provider' | 'status' | 'cached'>;
  readonly tokens: Counter<'model' | 'direction'>;
  readonly cost: Counter<'model'>;
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

  constructor() {
    const series = this.#series;
    this.requests = new Counter({
      name: 'umca_model_requests_total',
      help: 'Model calls through the gateway',
      labelNames: ['model', 'provider', 'status', 'cached'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of series.values()) this.inc(s.labels, s.requests);
      },
    });
    this.tokens = new Counter({
      name: 'umca_model_tokens_total',
      help: 'Tokens in and out',
      labelNames: ['model', 'direction'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of series.values()) {
          this.inc({ model: s.labels.model, direction: 'in' }, s.tokensIn);
          this.inc({ model: s.labels.model, direction: 'out' }, s.tokensOut);
        }
      },
    });
    this.cost = new Counter({
      name: 'umca_model_cost_usd_total',
      help: 'Spend in US dollars, from the configured price table',
      labelNames: ['model'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of series.values()) this.inc({ model: s.labels.model }, s.cost);
      },
    });
  }

  /** Counts one model call. */
  count(record: UsageRecord): void {
    const key = `${record.model_ref}\u0000${record.provider}\u0000${record.status}\u0000${record.cached}`;
    let series = this.#series.get(key);
    if (!series) {
      series = { labels: { model: record.model_ref, provider: record.provider, status: record.status, cached: String(record.cached) }, requests: 0, tokensIn: 0, tokensOut: 0, cost: 0 };
      this.#series.set(key, series);
    }
    series.requests += 1;
    series.tokensIn += record.input_tokens;
    series.tokensOut += record.output_tokens;
    series.cost += record.cost_usd;
    this.latency.observe({ model: record.model_ref }, record.latency_ms / 1000);
    if (record.ttft_ms !== null) this.ttft.observe({ model: record.model_ref }, record.ttft_ms / 1000);
  }
}
