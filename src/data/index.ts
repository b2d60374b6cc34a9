export { MT19937, MT19937_DEFAULT_SEED, seedToUint32 } from './mt19937.ts';
export { RandomState, type MutableIndexable, type RandomStateDict } from './numpy_random.ts';
export { crCos, crLog, crSin } from './correctly_rounded_math.ts';
export { linspace } from './linspace.ts';
export {
  TorchCpuGenerator,
  fusedMultiplyAddFloat32,
  initTorchLinear,
  torchLinearInit,
  type LinearLayerInit,
} from './torch_init.ts';
export {
  datasetFromFloat64,
  isRegression,
  regressionDatasetFromFloat64,
  type Dataset,
  type RegressionDataset,
} from './dataset.ts';
export {
  makeBlobs,
  makeCircles,
  makeMoons,
  makeSpirals,
  type BlobsDataset,
  type MakeBlobsOptions,
  type MakeCirclesOptions,
  type MakeMoonsOptions,
  type MakeSpiralsOptions,
} from './datasets.ts';
export { CsvParseError, parseCsv, type CsvDataset, type CsvTask, type ParseCsvOptions } from './csv.ts';
export {
  loadDiabetes,
  loadDigits,
  loadIris,
  loadRealDataset,
  REAL_DATASET_NAMES,
  REAL_DATASETS,
  type LoadDiabetesOptions,
  type LoadDigitsOptions,
  type LoadRealDatasetOptions,
  type RealClassificationDataset,
  type RealDatasetInfo,
  type RealDatasetName,
  type RealRegressionDataset,
} from './real_datasets.ts';
export {
  FeatureScaler,
  type FittedStats,
  MinMaxScaler,
  StandardScaler,
  type FloatMatrix,
  type MinMaxScalerOptions,
  type MinMaxScalerState,
  type StandardScalerOptions,
  type StandardScalerState,
} from './scalers.ts';
export { DataLoader, type DataLoaderOptions, type DataLoaderState } from './loader.ts';
export { toDataset, validateDataset, type DatasetExpectations, type ToDatasetOptions } from './validate.ts';
