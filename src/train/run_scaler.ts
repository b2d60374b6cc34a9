/**
 * A run config's feature scaler (`scaler`): built from its spec, fitted on the training rows only (after a
 * `val_split`, so the held-out rows never inform it) and applied to the training and held-out sets before
 * training. Its fitted state goes with the run (`--out`'s scaler.json and model.safetensors, `--json`'s
 * `scaler_state`, checkpoints' `anneal.extra.scaler`).
 */
import { ConfigError, type RunConfig, type ScalerSpec } from '../config/run_config.ts';
import type { Dataset } from '../data/dataset.ts';
import { MinMaxScaler, type MinMaxScalerState, StandardScaler, type StandardScalerState } from '../data/scalers.ts';
import { ValidationError } from '../params/error.ts';

/** A fitted scaler's state (its `stateDict()`), plain JSON. */
export type ScalerState = StandardScalerState | MinMaxScalerState;

/** A scaler a run config names. */
export type RunScaler = StandardScaler | MinMaxScaler;

/** The scaler `spec` names, not fitted: scikit-learn's arguments (snake_case) as anneal's options. */
export function scalerFromSpec(spec: ScalerSpec): RunScaler {
  if (spec.type === 'StandardScaler') {
    return new StandardScaler({ withMean: spec.args?.with_mean, withStd: spec.args?.with_std });
  }
  const range = spec.args?.feature_range;
  return new MinMaxScaler({ ...(range ? { featureRange: [range[0], range[1]] } : {}), clip: spec.args?.clip });
}

/** The training and held-out sets scaled, and the fitted scaler. */
export interface ScaledData {
  /** The fitted scaler, or null without `config.scaler`. */
  scaler: RunScaler | null;
  /** The training rows, scaled. */
  train: Dataset;
  /** The held-out rows, scaled with the training rows' statistics; null without a held-out set. */
  heldOut: Dataset | null;
}

/**
 * Fits `config.scaler` on `train` (or loads `saved`, a resumed checkpoint's state) and scales both sets; the
 * data as they are without a scaler. A fit is a function of the config and the data: a resumed run recomputes
 * the same state, and `saved` (when given) must be it.
 */
export function runScaler(config: RunConfig, train: Dataset, heldOut: Dataset | null, saved?: unknown): ScaledData {
  if (!config.scaler) return { scaler: null, train, heldOut };
  const scaler = scalerFromSpec(config.scaler);
  try {
    scaler.fitDataset(train);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ConfigError(`scaler: ${err.message}`, 'scaler', err.allowed);
  }
  if (saved !== undefined && JSON.stringify(saved) !== JSON.stringify(scaler.stateDict())) {
    throw new ConfigError(
      "scaler: the checkpoint's scaler (anneal.extra.scaler) is not the one fitted on this run's training rows " +
        '(did the data change?)',
      'scaler',
      "the checkpoint's scaler state",
    );
  }
  return {
    scaler,
    train: scaler.transformDataset(train),
    heldOut: heldOut ? scaler.transformDataset(heldOut) : null,
  };
}
