import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UsageRecord } from '../../core/run.js';
import { GatewayMetrics } from './gateway-metrics.js';

const call = (overrides: Partial<UsageRecord>): UsageRecord => ({
  model_ref: 'fast',
  provider: 'openai-compatible',
  upstream_model: 'qwen',
  run_id: null,
  input_tokens: 10,
  output_tokens: 4,
  cached: false,
  latency_ms: 120,
  ttft_ms: null,
  cost_usd: 0.5,
  status: 'ok',
  error_code: null,
  ...overrides,
});

describe('gateway metrics', () => {
  it('exposes exact totals per label set, the same on every scrape', async () => {
    const metrics = new GatewayMetrics();
    metrics.count(call({}));
    metrics.count(call({ input_tokens: 5, output_tokens: 1, cost_usd: 0.25 }));
    metrics.count(call({ status: 'error', input_tokens: 0, output_tokens: 0, cost_usd: 0, latency_ms: 30_000 }));
    metrics.count(call({ model_ref: 'other', cached: true, ttft_ms: 40 }));
    for (const _ of [1, 2]) {
      const text = await metrics.registry.metrics();
      assert.match(text, /^umca_model_requests_total\{model="fast",provider="openai-compatible",status="ok",cached="false"\} 2$/m);
      assert.match(text, /^umca_model_requests_total\{model="fast",provider="openai-compatible",status="error",cached="false"\} 1$/m);
      assert.match(text, /^umca_model_requests_total\{model="other",provider="openai-compatible",status="ok",cached="true"\} 1$/m);
      assert.match(text, /^umca_model_tokens_total\{model="fast",direction="in"\} 15$/m);
      assert.match(text, /^umca_model_tokens_total\{model="fast",direction="out"\} 5$/m);
      assert.match(text, /^umca_model_cost_usd_total\{model="fast"\} 0\.75$/m);
      assert.match(text, /^umca_model_latency_seconds_bucket\{le="0\.25",model="fast"\} 2$/m);
      assert.match(text, /^umca_model_latency_seconds_count\{model="fast"\} 3$/m);
      assert.match(text, /^umca_model_time_to_first_token_seconds_count\{model="other"\} 1$/m);
    }
  });
});
