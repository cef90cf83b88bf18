import type { UsageRecord, UsageTotals } from '../../core/run.js';
import type { BudgetReservation, UsageStore } from '../usage-store.js';
import type { SqlClient } from './sql-client.js';

/** Model usage and budget counters over any PostgreSQL-dialect client. */
export class SqlUsageStore implements UsageStore {
  readonly #db: SqlClient;

  constructor(db: SqlClient) {
    this.#db = db;
  }

  async recordUsage(records: readonly UsageRecord[]): Promise<void> {
    if (records.length === 0) return;
    // The whole batch as one JSON parameter: one short statement to parse and plan, whatever the batch size.
    await this.#db.query(
      `INSERT INTO usage (model_ref, provider, upstream_model, run_id, input_tokens, output_tokens, cached, latency_ms, ttft_ms, cost_usd, status, error_code)
       SELECT model_ref, provider, upstream_model, run_id, input_tokens, output_tokens, cached, latency_ms, ttft_ms, cost_usd, status, error_code
       FROM json_to_recordset($1::json) AS r(model_ref text, provider text, upstream_model text, run_id text, input_tokens integer,
         output_tokens integer, cached boolean, latency_ms double precision, ttft_ms double precision, cost_usd double precision, status text, error_code text)`,
      [JSON.stringify(records)],
    );
  }

  async runCosts(runIds: readonly string[]): Promise<Map<string, number>> {
    if (runIds.length === 0) return new Map();
    const { rows } = await this.#db.query<{ run_id: string; cost: number | string }>(
      'SELECT run_id, COALESCE(sum(cost_usd), 0) AS cost FROM usage WHERE run_id IN (SELECT json_array_elements_text($1::json)) GROUP BY run_id',
      [JSON.stringify(runIds)],
    );
    return new Map(rows.map((row) => [row.run_id, Number(row.cost)]));
  }

  async queryUsage(query: { since?: string; until?: string; groupBy: 'model' | 'day' }): Promise<UsageTotals[]> {
    const key = query.groupBy === 'day' ? `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD')` : 'model_ref';
    const { rows } = await this.#db.query<Record<string, unknown>>(
      `SELECT ${key} AS key, count(*) AS requests, count(*) FILTER (WHERE status = 'error') AS errors,
              count(*) FILTER (WHERE cached) AS cached, COALESCE(sum(input_tokens), 0) AS input_tokens,
              COALESCE(sum(output_tokens), 0) AS output_tokens, COALESCE(sum(cost_usd), 0) AS cost_usd
       FROM usage WHERE ts >= COALESCE($1::timestamptz, '-infinity') AND ts < COALESCE($2::timestamptz, 'infinity')
       GROUP BY 1 ORDER BY 1`,
      [query.since ?? null, query.until ?? null],
    );
    return rows.map((row) => ({
      key: String(row.key),
      requests: Number(row.requests),
      errors: Number(row.errors),
      cached: Number(row.cached),
      input_tokens: Number(row.input_tokens),
      output_tokens: Number(row.output_tokens),
      cost_usd: Number(row.cost_usd),
    }));
  }

  async reserveBudget(subject: string, reservations: readonly BudgetReservation[]): Promise<{ ok: true } | { ok: false; kind: string; windowStart: string }> {
    // Windows in a fixed order, so concurrent reservations lock rows alike and never deadlock.
    const ordered = [...reservations].sort((a, b) => a.kind.localeCompare(b.kind) || a.windowStart.localeCompare(b.windowStart));
    try {
      await this.#db.transaction(async (tx) => {
        for (const r of ordered) {
          await tx.query(
            'INSERT INTO budget_usage (subject, kind, window_start, used) VALUES ($1, $2, $3::timestamptz, 0) ON CONFLICT DO NOTHING',
            [subject, r.kind, r.windowStart],
          );
          // Re-checked against the latest row under its lock: exact under concurrency.
          const { rows } = await tx.query(
            `UPDATE budget_usage SET used = used + $4::double precision
             WHERE subject = $1 AND kind = $2 AND window_start = $3::timestamptz AND used + $4::double precision <= $5::double precision RETURNING used`,
            [subject, r.kind, r.windowStart, r.amount, r.limit],
          );
          if (rows.length === 0) throw new BudgetRefusal(r);
        }
      });
      return { ok: true };
    } catch (error) {
      if (error instanceof BudgetRefusal) return { ok: false, kind: error.reservation.kind, windowStart: error.reservation.windowStart };
      throw error;
    }
  }

  async adjustBudget(subject: string, adjustments: ReadonlyArray<{ kind: string; windowStart: string; delta: number }>): Promise<void> {
    for (const a of adjustments) {
      if (a.delta === 0) continue;
      await this.#db.query(
        'UPDATE budget_usage SET used = GREATEST(0, used + $4::double precision) WHERE subject = $1 AND kind = $2 AND window_start = $3::timestamptz',
        [subject, a.kind, a.windowStart, a.delta],
      );
    }
  }
}

/** Rolls a reservation back: one of its windows would be exceeded. */
class BudgetRefusal extends Error {
  readonly reservation: BudgetReservation;

  constructor(reservation: BudgetReservation) {
    super(`budget ${reservation.kind} exceeded`);
    this.reservation = reservation;
  }
}
