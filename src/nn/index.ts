export {
  Linear,
  Tanh,
  ReLU,
  Sigmoid,
  Activation,
  activationFromName,
  ACTIVATIONS,
  type Layer,
  type ActivationName,
  type LinearOptions,
} from './modules.ts';
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
export { toMatrix, toLabels, matrix, type Matrix, type Features, type Labels } from './matrix.ts';
