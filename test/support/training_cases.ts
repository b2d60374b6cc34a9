// training.json's cases as run configs (their LambdaLR lambdas as expressions), for tests that train them.
import training from '../fixtures/training.json' with { type: 'json' };
import { withExpressions } from '../lr_scheduler/support.ts';

/** Every training.json case as a run config, in the fixture's order. */
export const TRAINING_CONFIGS = training.cases.map(withExpressions);
