import { z } from 'zod';
import { configError, optimizerSpecSchema, schedulerSpecSchema } from '../config/run_config.ts';

// A schedule spec has the shape of a case of schedulers.json; its result keys are accepted and ignored.
export const scheduleSpecSchema = z.strictObject({
  optimizer: optimizerSpecSchema,
  scheduler: schedulerSpecSchema,
  steps: z.number().int().min(0).max(10_000_000),
  metrics: z.array(z.number()).optional(),
  name: z.unknown().optional(),
  track: z.unknown().optional(),
  lr: z.unknown().optional(),
  momentum: z.unknown().optional(),
  beta1: z.unknown().optional(),
});

export type ScheduleSpec = z.infer<typeof scheduleSpecSchema>;

export function parseScheduleSpec(value: unknown, source = 'schedule spec'): ScheduleSpec {
  const result = scheduleSpecSchema.safeParse(value);
  if (result.success) return result.data;
  throw configError(result.error, source);
}
