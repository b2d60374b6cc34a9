import { ConfigError, type RunConfig } from '../config/run_config.ts';
import type { Dataset } from '../data/dataset.ts';
import { toDataset } from '../data/validate.ts';
import { type Criterion, CrossEntropyLoss, criterionFromSpec } from '../nn/losses.ts';
import { ValidationError } from '../params/error.ts';

// What a run config's criterion trains on: the criterion itself, inline float targets, and the targets of a
// dataset as the criterion takes them (class labels, or float rows of the output width).

/** The config's criterion (`criterion: {type, args}`); CrossEntropyLoss() when it gives none. */
export function criterionOf(config: RunConfig): Criterion {
  if (!config.criterion) return new CrossEntropyLoss();
  try {
    return criterionFromSpec(config.criterion, 'criterion');
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ConfigError(`criterion: ${err.message.replace(/^criterion[.\w]*: /, '')}`, err.param, err.allowed);
  }
}

/**
 * The dataset of inline `X` and `Y`: class labels (integers), or float rows, one per sample (a regression
 * dataset: `targets`, `nTargets`, no labels), for the criteria other than CrossEntropyLoss.
 */
export function inlineDataset(X: readonly (readonly number[])[], Y: readonly number[] | readonly number[][]): Dataset {
  if (Y.length === 0 || !Array.isArray(Y[0])) return toDataset(X, Y as number[]);
  const rows = Y as readonly (readonly number[])[];
  const nFeatures = X[0]?.length ?? 0;
  const nTargets = rows[0].length;
  if (rows.length !== X.length) {
    throw new ConfigError(
      `Y: ${rows.length} target rows for ${X.length} rows of X`,
      'Y',
      'one target row per row of X',
    );
  }
  X.forEach((row, i) => {
    if (row.length !== nFeatures) {
      throw new ConfigError(
        `X[${i}]: ${row.length} features, X[0] has ${nFeatures}`,
        `X[${i}]`,
        `${nFeatures} features`,
      );
    }
  });
  rows.forEach((row, i) => {
    if (row.length !== nTargets) {
      throw new ConfigError(`Y[${i}]: ${row.length} targets, Y[0] has ${nTargets}`, `Y[${i}]`, `${nTargets} targets`);
    }
  });
  const xF64 = Float64Array.from(X.flat());
  const targetsF64 = Float64Array.from(rows.flat());
  return {
    x: Float32Array.from(xF64),
    xF64,
    y: new Int32Array(0),
    nSamples: X.length,
    nFeatures,
    nClasses: 0,
    targets: Float32Array.from(targetsF64),
    targetsF64,
    nTargets,
  };
}

/**
 * The targets of `data` as `criterion` takes them for a model of `outputs` outputs, checked: class labels
 * below `outputs` (CrossEntropyLoss); float rows of `outputs` values (the other criteria, from a regression
 * dataset's targets); for BCEWithLogitsLoss on class labels, the label itself with one output (labels 0 and
 * 1) or one-hot rows with one output per class. `what` names the data in messages (`data`, `validation`).
 */
export function targetsFor(
  criterion: Criterion,
  data: Dataset,
  outputs: number,
  what = 'data',
): Int32Array | Float32Array {
  const last = 'sizes[-1]';
  const floats = data.targets !== undefined;
  if (criterion.targets === 'labels') {
    if (floats) {
      throw new ConfigError(
        `criterion: ${criterion.type} takes class labels, but the ${what} has float targets ` +
          '(give Y as integer labels, or a regression criterion such as MSELoss)',
        'criterion',
        'a criterion for float targets',
      );
    }
    const maxLabel = data.y.reduce((a, b) => Math.max(a, b), 0);
    if (outputs <= maxLabel) {
      throw new ConfigError(
        `sizes: the ${what} has labels up to ${maxLabel}, so the last size must be at least ${maxLabel + 1}, ` +
          `got ${outputs}`,
        last,
        `at least ${maxLabel + 1} (the ${what}'s labels go up to ${maxLabel})`,
      );
    }
    return data.y;
  }
  if (floats) {
    const nTargets = data.nTargets ?? (data.targets as Float32Array).length / data.nSamples;
    if (nTargets !== outputs) {
      throw new ConfigError(
        `sizes: the ${what} has ${nTargets} target${nTargets === 1 ? '' : 's'} per sample, so the last size must be ` +
          `${nTargets}, got ${outputs}`,
        last,
        `${nTargets} (the ${what}'s targets per sample)`,
      );
    }
    return data.targets as Float32Array;
  }
  if (criterion.type !== 'BCEWithLogitsLoss') {
    throw new ConfigError(
      `criterion: ${criterion.type} needs float targets (Y as rows of numbers, or a regression dataset), ` +
        `but the ${what} has class labels`,
      'criterion',
      'CrossEntropyLoss or BCEWithLogitsLoss for class labels',
    );
  }
  // BCEWithLogitsLoss on class labels: one output for labels 0/1, else one-hot over `outputs` classes.
  const maxLabel = data.y.reduce((a, b) => Math.max(a, b), 0);
  if (outputs === 1 && maxLabel <= 1) return Float32Array.from(data.y);
  if (outputs <= maxLabel) {
    throw new ConfigError(
      `sizes: BCEWithLogitsLoss on labels up to ${maxLabel} takes one output per class (${maxLabel + 1}), ` +
        `or 1 output for labels 0 and 1; got ${outputs}`,
      last,
      `${maxLabel + 1}, or 1 for binary labels`,
    );
  }
  const oneHot = new Float32Array(data.nSamples * outputs);
  data.y.forEach((label, i) => {
    oneHot[i * outputs + label] = 1;
  });
  return oneHot;
}
