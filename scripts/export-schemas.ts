// Writes schemas/umca-events.v<N>.json (the current version) from the zod schema. Run: npm run schemas
import { writeFileSync } from 'node:fs';
import { EVENTS_SCHEMA_FILE, eventsJsonSchema } from '../src/core/events-json-schema.js';

writeFileSync(new URL(`../${EVENTS_SCHEMA_FILE}`, import.meta.url), `${JSON.stringify(eventsJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${EVENTS_SCHEMA_FILE}\n`);
