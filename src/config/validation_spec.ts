import { z } from 'zod';
import { MONITORS } from '../train/callbacks.ts';
import { EARLY_STOPPING_MODES } from '../train/early_stopping.ts';

// The run config's held-out keys (issue 13): `validation`, `eval_every`, `early_stopping`, `plateau_metric`.

const int = (min: number) => z.number().int().min(min);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** A held-out set given inline: `{X, Y}` as the training data's own keys (labels, or float target rows). */
export const inlineValidationSchema = z.strictObject({
  X: z.array(z.array(finite)).min(1),
  Y: z.union([z.array(int(0)).min(1), z.array(z.array(finite)).min(1)]),
});

/**
 * A held-out part split off the training data: `{val_split, stratify, seed}`; `stratify` defaults to true for
 * class labels (a regression dataset cannot be stratified).
 */
export const valSplitSchema = z.strictObject({
  val_split: z.number().gt(0).lt(1),
  stratify: z.boolean().optional(),
  seed: int(0).max(0xffffffff).optional(),
});

/**
 * The `validation` key: inline `{X, Y}`, a dataset spec (`{type: 'moons', ...}`, `{type: 'csv', path}`), or
 * `{val_split: 0.2, stratify?, seed?}` (a seeded, by default stratified, split of the training data). The shape
 * picks the schema (a `type` key: a dataset spec; `val_split`: a split; else inline), so a refusal names the
 * keys of the shape meant. `datasetSpec` is the run config's own dataset-spec schema.
 */
export function validationSchema<D extends z.ZodType>(datasetSpec: D) {
  type Out = z.output<typeof inlineValidationSchema> | z.output<typeof valSplitSchema> | z.output<D>;
  return z.unknown().transform((value, ctx): Out => {
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (!isObject) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be {X, Y}, a dataset spec ({type: ...}) or {val_split: ...}',
        input: value,
      });
      return z.NEVER;
    }
    const schema: z.ZodType = Object.hasOwn(value, 'type')
      ? datasetSpec
      : Object.hasOwn(value, 'val_split')
        ? valSplitSchema
        : inlineValidationSchema;
    const result = schema.safeParse(value);
    if (result.success) return result.data as Out;
    for (const issue of result.error.issues) {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : null;
      const message = keys
        ? `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => JSON.stringify(k)).join(', ')}`
        : issue.message;
      ctx.addIssue({ code: 'custom', message, path: issue.path as PropertyKey[], input: value });
    }
    return z.NEVER;
  });
}

/** `early_stopping`: Keras's EarlyStopping arguments, snake_case, with Keras's defaults. */
export const earlyStoppingSchema = z.strictObject({
  patience: int(0).max(100_000_000).default(0),
  min_delta: finite.default(0),
  monitor: z.enum(MONITORS).default('val_loss'),
  mode: z.enum(EARLY_STOPPING_MODES).default('auto'),
  baseline: finite.nullable().optional(),
  restore_best_weights: z.boolean().default(false),
  start_from_epoch: int(0).default(0),
});

/** What `plateau_metric` may name: the step's batch loss (`loss`, each step) or an evaluated value. */
export const PLATEAU_METRICS = ['loss', 'val_loss', 'val_accuracy'] as const;

/** `plateau_metric`: what ReduceLROnPlateau watches. */
export const plateauMetricSchema = z.enum(PLATEAU_METRICS);

/** `eval_every`: the evaluation interval, part of the run when early stopping or the plateau watch evaluations. */
export const evalEverySchema = int(1).max(100_000_000);
