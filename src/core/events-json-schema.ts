import { z } from 'zod';
import { EVENTS_SCHEMA_VERSION, runEventSchema } from './events.js';

/** umca-events (the current version) as JSON Schema (draft 2020-12), generated from the zod schema. */
export function eventsJsonSchema(): Record<string, unknown> {
  return {
    $id: `https://umca.dev/schemas/${EVENTS_SCHEMA_VERSION}.json`,
    title: EVENTS_SCHEMA_VERSION,
    description: 'One event of a umca run log. hash = sha256(prev_hash || RFC 8785 canonical JSON of the event without hash).',
    ...z.toJSONSchema(runEventSchema),
  };
}

export const EVENTS_SCHEMA_FILE = `schemas/${EVENTS_SCHEMA_VERSION}.json`;
