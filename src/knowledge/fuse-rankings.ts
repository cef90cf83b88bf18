/** One retriever's ranking, best first, with its weight in the fusion. */
export interface Ranking<K> {
  name: string;
  weight: number;
  keys: readonly K[];
}

/** RRF's k: 60, as Cormack, Clarke and Büttcher (2009) set it and most systems keep it. */
export const RRF_K = 60;

/**
 * Weighted reciprocal rank fusion: a key scores Σ weight / (RRF_K + rank) over the rankings
 * that hold it (rank from 1). Returns keys best first, ties broken by the first ranking's
 * order, then the next's.
 */
export function fuseRankings<K>(rankings: ReadonlyArray<Ranking<K>>, k = RRF_K): Array<{ key: K; score: number }> {
  const scores = new Map<K, { score: number; order: number[] }>();
  for (const [r, ranking] of rankings.entries()) {
    for (const [i, key] of ranking.keys.entries()) {
      const entry = scores.get(key) ?? { score: 0, order: rankings.map(() => Number.POSITIVE_INFINITY) };
      entry.score += ranking.weight / (k + i + 1);
      entry.order[r] = i;
      scores.set(key, entry);
    }
  }
  return [...scores.entries()]
    .sort(([, a], [, b]) => b.score - a.score || compareOrders(a.order, b.order))
    .map(([key, { score }]) => ({ key, score }));
}

function compareOrders(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
