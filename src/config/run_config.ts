import { ValidationError } from '../params/error.ts';
import { z } from 'zod';
import { ACTIVATIONS } from '../nn/modules.ts';
import { CRITERIA, CRITERION_ALIASES } from '../nn/losses.ts';
import { findCanonicalName } from '../canonical_name.ts';
import { SCHEDULER_TYPES } from '../lr_scheduler/spec.ts';
import { BATCH_SCHEDULE_TYPES } from '../train/batch_schedule.ts';
import { OPTIMIZER_TYPES } from './optimizer_spec.ts';
import { PRECISIONS } from '../engine/wasm_bytes.ts';
import { earlyStoppingSchema, evalEverySchema, plateauMetricSchema, validationSchema } from './validation_spec.ts';

// A run config has the shape of a case of training.json (PyTorch's names, snake_case keys), so a fixture case
// can be fed back as it is. Its result keys are accepted and ignored.

const int = (min: number) => z.number().int().min(min);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const layerWeights = z.strictObject({ weight: z.array(z.array(finite)), bias: z.array(finite) });

const moonsSpec = z.strictObject({
  type: z.literal('moons'),
  n_samples: int(1).max(1_000_000).default(20),
  noise: z.number().min(0).max(1e6).default(0.2),
  shuffle: z.boolean().default(true),
  seed: int(0).optional(),
});
const circlesSpec = z.strictObject({
  type: z.literal('circles'),
  n_samples: int(1).max(1_000_000).default(100),
  noise: z.number().min(0).max(1e6).default(0.1),
  factor: z.number().gt(0).lt(1).default(0.5),
  shuffle: z.boolean().default(true),
  seed: int(0).optional(),
});
const blobsSpec = z.strictObject({
  type: z.literal('blobs'),
  n_samples: int(1).max(1_000_000).default(150),
  centers: int(1).max(1000).default(3),
  n_features: int(1).max(1_000_000).default(2),
  cluster_std: z.number().gt(0).max(1e6).default(1.0),
  shuffle: z.boolean().default(true),
  seed: int(0).optional(),
});
const spiralsSpec = z.strictObject({
  type: z.literal('spirals'),
  n_samples: int(1).max(1_000_000).default(200),
  noise: z.number().min(0).max(1e6).default(0.2),
  n_arms: int(2).max(100).default(2),
  turns: z.number().gt(0).max(100).default(1),
  shuffle: z.boolean().default(true),
  seed: int(0).optional(),
});
const column = z.union([z.string().min(1), int(0)]);
const csvSpec = z.strictObject({
  type: z.literal('csv'),
  path: z.string().min(1),
  label_column: column.optional(),
  // Regression (or a named label column): the target column(s), by header name or 0-based index.
  target_columns: z.union([column, z.array(column).min(1)]).optional(),
  // 'classification' (one integer label column) or 'regression' (float targets); default as parseCsv's.
  task: z.enum(['classification', 'regression']).optional(),
});
// The shipped datasets (src/data/real_datasets.ts), exactly scikit-learn 1.2.1's arrays.
const irisSpec = z.strictObject({ type: z.literal('iris') });
const digitsSpec = z.strictObject({ type: z.literal('digits'), n_class: int(1).max(10).default(10) });
const diabetesSpec = z.strictObject({ type: z.literal('diabetes'), scaled: z.boolean().default(true) });

export const datasetSpecSchema = z.discriminatedUnion('type', [
  moonsSpec,
  circlesSpec,
  blobsSpec,
  spiralsSpec,
  csvSpec,
  irisSpec,
  digitsSpec,
  diabetesSpec,
]);
export type DatasetSpec = z.infer<typeof datasetSpecSchema>;
/**
 * The dataset types a run config's `data` may name (`csv` reads a file, in Node; `iris`, `digits` and `diabetes`
 * are shipped, `diabetes` a regression set).
 */
export const DATASET_TYPES = ['moons', 'circles', 'blobs', 'spirals', 'csv', 'iris', 'digits', 'diabetes'] as const;

/** The dataset specs with a seed (the generated ones). */
export type GeneratedDatasetSpec = Extract<DatasetSpec, { type: 'moons' | 'circles' | 'blobs' | 'spirals' }>;

/** Whether a dataset spec is generated from a seed (moons, circles, blobs, spirals), not read or shipped. */
export function isGeneratedSpec(spec: DatasetSpec): spec is GeneratedDatasetSpec {
  return spec.type === 'moons' || spec.type === 'circles' || spec.type === 'blobs' || spec.type === 'spirals';
}

// Names are read in any casing and kept in their canonical spelling ("steplr" → "StepLR", "ADAM" → "Adam"); a
// name that is none of the known ones is left as it is, for the check that reports it.
const canonical = (names: readonly string[]) => (value: string) => findCanonicalName(value, names) ?? value;

/** A dataset spec with its type in the canonical spelling (`MOONS` → `moons`). */
const canonicalDatasetSpec = z.preprocess(
  (value: z.input<typeof datasetSpecSchema>) =>
    value !== null && typeof value === 'object' && typeof value.type === 'string'
      ? { ...value, type: canonical(DATASET_TYPES)(value.type) }
      : value,
  datasetSpecSchema,
);

/**
 * Keyword arguments by name (scheduler `args`, optimizer `kwargs` and `groups`). zod's record leaves out a
 * `__proto__` key (JSON.parse makes it an own key), so it is refused here as the unknown key it is.
 */
const keywords = () =>
  z
    .unknown()
    .superRefine((value, ctx) => {
      if (value !== null && typeof value === 'object' && Object.hasOwn(value, '__proto__'))
        ctx.addIssue({ code: 'custom', message: 'unknown key "__proto__"', input: value });
    })
    .pipe(z.record(z.string(), z.unknown())) as unknown as z.ZodType<Record<string, unknown>, Record<string, unknown>>;

/** An `lr` given in a param group or in kwargs is a number (a quoted "0.01" would pass for one in messages). */
const withNumericLr = () =>
  keywords().superRefine((value, ctx) => {
    if (!Object.hasOwn(value, 'lr') || typeof value.lr === 'number') return;
    const got = typeof value.lr === 'string' ? `the string ${JSON.stringify(value.lr)}` : JSON.stringify(value.lr);
    ctx.addIssue({ code: 'custom', path: ['lr'], message: `lr must be a number, got ${got}`, input: value.lr });
  });

export const optimizerSpecSchema = z.strictObject({
  type: z.string().transform(canonical(OPTIMIZER_TYPES)),
  groups: z.array(withNumericLr()).min(1).optional(),
  kwargs: withNumericLr().optional(),
});

export const schedulerSpecSchema = z
  .strictObject({
    type: z.string(),
    args: keywords().optional(),
  })
  .transform(canonicalSchedulerSpec);

/**
 * The scheduler's type, and those of the schedulers nested in SequentialLR / ChainedScheduler, in PyTorch's
 * spelling.
 */
function canonicalSchedulerSpec<S extends { type: string; args?: Record<string, unknown> }>(spec: S): S {
  const nested = spec.args?.schedulers;
  const isSpec = (v: unknown): v is S => v !== null && typeof v === 'object' && typeof (v as S).type === 'string';
  return {
    ...spec,
    type: canonical(SCHEDULER_TYPES)(spec.type),
    ...(Array.isArray(nested)
      ? { args: { ...spec.args, schedulers: nested.map((c: unknown) => (isSpec(c) ? canonicalSchedulerSpec(c) : c)) } }
      : {}),
  };
}

/**
 * A batch-size schedule (src/train/batch_schedule.ts): any lr scheduler's spec, run on the batch size
 * (`{type: 'CosineAnnealingLR', args: {T_max: 100, eta_min: 0.25}}`), or an alias such as
 * `{type: 'StepBS', args: {step_size: 50, gamma: 2}}`, starting from `batch_size`; `interval` 'epoch'
 * (default) or 'step' says what the schedule counts.
 */
export const batchScheduleSpecSchema = z.strictObject({
  type: z.string().transform(canonical(BATCH_SCHEDULE_TYPES)),
  args: keywords().optional(),
  interval: z.enum(['epoch', 'step']).default('epoch'),
});

/**
 * The loss: PyTorch's class name (any casing, or a short name such as `mse`) and keyword arguments
 * (`{type: 'HuberLoss', args: {delta: 1.5}}`); checked by the criterion's declarations when the run is built.
 */
export const criterionSpecSchema = z.strictObject({
  type: z.string().transform((value) => findCanonicalName(value, CRITERIA, CRITERION_ALIASES) ?? value),
  args: keywords().nullable().optional(),
});

/** The feature scalers a run config's `scaler` may name (scikit-learn's class names). */
export const SCALER_TYPES = ['StandardScaler', 'MinMaxScaler'] as const;
const SCALER_ALIASES: Record<string, (typeof SCALER_TYPES)[number]> = {
  standard: 'StandardScaler',
  minmax: 'MinMaxScaler',
};

/**
 * A feature scaler fitted on the training rows (after a `val_split`) and applied to every split before training:
 * `{type: 'StandardScaler', args: {with_mean, with_std}}` or `{type: 'MinMaxScaler', args: {feature_range, clip}}`,
 * scikit-learn's names and defaults.
 */
export const scalerSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('StandardScaler'),
    args: z.strictObject({ with_mean: z.boolean().optional(), with_std: z.boolean().optional() }).nullable().optional(),
  }),
  z.strictObject({
    type: z.literal('MinMaxScaler'),
    args: z
      .strictObject({
        feature_range: z
          .tuple([finite, finite])
          .refine(([lo, hi]) => lo < hi, 'must be [min, max] with min < max')
          .optional(),
        clip: z.boolean().optional(),
      })
      .nullable()
      .optional(),
  }),
]);
export type ScalerSpec = z.infer<typeof scalerSpecSchema>;

const canonicalScalerSpec = z.preprocess(
  (value: unknown) =>
    value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string'
      ? {
          ...value,
          type:
            findCanonicalName((value as { type: string }).type, SCALER_TYPES, SCALER_ALIASES) ??
            (value as { type: string }).type,
        }
      : value,
  scalerSpecSchema,
);

export const runConfigSchema = z
  .strictObject({
    name: z.string().optional(),
    seed: int(0).max(Number.MAX_SAFE_INTEGER).optional(),
    sizes: z.array(int(1).max(1 << 20)).min(2),
    activation: z
      .preprocess(
        (value: string) => (typeof value === 'string' ? canonical(ACTIVATIONS)(value) : value),
        z.enum(ACTIVATIONS),
      )
      .default('tanh'),
    // The activation's keyword arguments (negative_slope for leaky_relu, alpha for elu); null: PyTorch's defaults.
    activation_args: z.record(z.string(), finite).nullable().optional(),
    // The loss; absent or null: CrossEntropyLoss(), or MSELoss() on regression data (float targets).
    criterion: criterionSpecSchema.nullable().optional(),
    init: z.array(layerWeights).nullable().optional(),
    X: z.array(z.array(finite)).min(1).optional(),
    // Class labels for CrossEntropyLoss; float rows (samples × outputs) for the other criteria.
    Y: z.union([z.array(int(0)), z.array(z.array(finite))]).optional(),
    data: canonicalDatasetSpec.nullable().optional(),
    // A feature scaler fitted on the training rows only; absent or null: the features as they are.
    scaler: canonicalScalerSpec.nullable().optional(),
    optimizer: optimizerSpecSchema,
    scheduler: schedulerSpecSchema.nullable().optional(),
    steps: int(0).max(100_000_000),
    batch_size: int(1).nullable().optional(),
    batches: z
      .array(z.array(int(0)))
      .nullable()
      .optional(),
    batch_schedule: batchScheduleSpecSchema.nullable().optional(),
    manual_decay: z
      .strictObject({ every: int(1), factor: z.number().gt(0).refine(Number.isFinite, 'must be finite') })
      .nullable()
      .optional(),
    group_by_layer: z.boolean().default(false),
    // The core's build (getEngine's precision): absent, deterministic; 'fast' where relaxed SIMD runs.
    precision: z.enum(PRECISIONS).optional(),
    plateau_metric: plateauMetricSchema.nullable().optional(),
    // Held-out data and early stopping (src/config/validation_spec.ts).
    validation: validationSchema(canonicalDatasetSpec).nullable().optional(),
    eval_every: evalEverySchema.nullable().optional(),
    early_stopping: earlyStoppingSchema.nullable().optional(),
    // Result keys of a training.json case: accepted so a case can be fed back, and ignored.
    loss: z.unknown().optional(),
    lr: z.unknown().optional(),
    momentum: z.unknown().optional(),
    final: z.unknown().optional(),
    final_loss: z.unknown().optional(),
    final_accuracy: z.unknown().optional(),
    final_mse: z.unknown().optional(),
    batch_sizes: z.unknown().optional(),
    evals: z.unknown().optional(),
    final_val_loss: z.unknown().optional(),
    final_val_accuracy: z.unknown().optional(),
    early_stop: z.unknown().optional(),
    scaler_state: z.unknown().optional(),
  })
  .superRefine((c, ctx) => {
    const inline = c.X !== undefined || c.Y !== undefined;
    if (inline && c.data)
      ctx.addIssue({
        code: 'custom',
        path: ['data'],
        message: 'give the data inline as X and Y, or as a dataset spec in data, not both',
      });
    if (!inline && !c.data)
      ctx.addIssue({ code: 'custom', path: ['data'], message: 'no data: give X and Y, or a dataset spec in data' });
    if (inline && (c.X === undefined || c.Y === undefined))
      ctx.addIssue({ code: 'custom', path: [c.X ? 'Y' : 'X'], message: 'X and Y go together' });
    if (c.batch_schedule && !c.batch_size) {
      ctx.addIssue({
        code: 'custom',
        path: ['batch_schedule'],
        message: 'needs batch_size, the batch size of the first epoch (an integer >= 1)',
      });
    }
  });

/**
 * A validated run config (what parseRunConfig returns, defaults filled in): training.json's snake_case keys —
 * `sizes`, `activation`, `data` (or `X`/`Y`), `optimizer`, `scheduler`, `steps`, `batch_size`, ...
 */
export type RunConfig = z.infer<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** Thrown for an invalid run config; the message names the key and what it allows. */
export class ConfigError extends ValidationError {
  /** The error's name, `ConfigError`. */
  override readonly name: string = 'ConfigError';
  /**
   * @param message the whole message, every refused key on a line of its own
   * @param param the first refused key's path (`scheduler.args.step_size`)
   * @param allowed what that key allows
   */
  constructor(message: string, param = '', allowed = '') {
    super('run config', param, allowed, undefined, message);
  }
}

/** A schema's refusal as a ConfigError: every issue on its own, naming the key (`scheduler.args`) and the problem. */
export function configError(error: z.ZodError, source: string): ConfigError {
  const lines = error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}`;
    }
    return `${where}: ${issue.message}`;
  });
  const first = error.issues[0];
  return new ConfigError(`${source}: ${lines.join('; ')}`, first.path.join('.'), first.message);
}

/** Validates a run config, with errors that name the key and what it allows. */
export function parseRunConfig(value: unknown, source = 'run config'): RunConfig {
  const result = runConfigSchema.safeParse(value);
  if (!result.success) throw configError(result.error, source);
  return result.data;
}
