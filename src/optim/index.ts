export { Adam, AdamW, type AdamOptions } from './adam.ts';
export { SGD, type SGDOptions } from './sgd.ts';
export {
  Optimizer,
  type OptimizerStateDict,
  type ParamGroupSpec,
  type ParamsArgument,
  type ParamState,
  type StateSlot,
} from './optimizer.ts';
export { ParamGroup, AdamParamGroup, SGDParamGroup } from './group.ts';
export type { SchedulableOptimizer, SchedulableParamGroup } from './param_group.ts';
