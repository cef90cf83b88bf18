import { z } from 'zod';

const time = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), 'expected an ISO-8601 date or time')
  .transform((value) => new Date(Date.parse(value)).toISOString());

/** Which usage to total: grouped by model or by day, in a time range. */
export const usageQueryInput = z.object({
  group_by: z.enum(['model', 'day'], { error: 'expected model or day' }).default('model'),
  since: time.optional(),
  until: time.optional(),
});
export type UsageQueryInput = z.input<typeof usageQueryInput>;
