import { z } from 'zod';

const replySchema = z.union([
  z.string(),
  z.strictObject({
    content: z.string().default(''),
    delay_ms: z.number().int().nonnegative().optional(),
    tool_calls: z.array(z.strictObject({ name: z.string(), arguments: z.record(z.string(), z.unknown()) })).optional(),
  }),
]);

export const scriptedFixtureSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  /** The spec this fixture answers, for `umca run --model scripted:NAME` without a spec. */
  spec: z.string().optional(),
  /** Wait before each reply, to behave like a model's pace. */
  delay_ms: z.number().int().nonnegative().default(0),
  /** Replies per role, in turn order; the last one repeats for later turns. */
  replies: z.record(z.string(), z.array(replySchema).min(1)),
});

export type ScriptedFixture = z.infer<typeof scriptedFixtureSchema>;
export type ScriptedReply = z.infer<typeof replySchema>;
