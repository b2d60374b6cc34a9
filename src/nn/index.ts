export {
  Linear,
  Tanh,
  ReLU,
  Sigmoid,
  LeakyReLU,
  GELU,
  ELU,
  SiLU,
  Activation,
  activationFromName,
  activationArgNames,
  ACTIVATIONS,
  type Layer,
  type ActivationName,
  type ActivationRecord,
  type LinearOptions,
  type LeakyReLUOptions,
  type GELUOptions,
  type ELUOptions,
} from './modules.ts';
export {
  Criterion,
  CrossEntropyLoss,
  MSELoss,
  L1Loss,
  SmoothL1Loss,
  HuberLoss,
  BCEWithLogitsLoss,
  CRITERIA,
  criterionFromSpec,
  criterionType,
  type CriterionType,
  type CriterionSpec,
  type Reduction,
  type TargetKind,
  type CrossEntropyLossOptions,
  type MSELossOptions,
  type L1LossOptions,
  type SmoothL1LossOptions,
  type HuberLossOptions,
  type BCEWithLogitsLossOptions,
} from './losses.ts';
export {
  Sequential,
  type Evaluation,
  type LayerWeights,
  type ModelStateDict,
  type FusedOptimizer,
} from './sequential.ts';
export { MLP, LogicNet, type MLPOptions, type LogicNetOptions } from './models.ts';
export { Parameter } from './parameter.ts';
export type { SavedFloat, SavedTensor } from './saved_tensor.ts';
export { Loss } from './loss.ts';
export { DeviceData } from './device_data.ts';
export { manualSeed, TorchGenerator, TORCH_DEFAULT_SEED, type WeightGenerator } from './init.ts';
export {
  toMatrix,
  toLabels,
  toTargets,
  matrix,
  type Matrix,
  type Features,
  type Labels,
  type Targets,
  type FloatTargets,
} from './matrix.ts';
