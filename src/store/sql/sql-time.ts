/** A timestamp as the store gives it (a Date from `pg`, text from PGlite), as ISO 8601 in UTC. */
export function toIso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}
