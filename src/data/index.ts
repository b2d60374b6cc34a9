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
export { datasetFromFloat64, type Dataset } from './dataset.ts';
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
export { CsvParseError, parseCsv, type CsvDataset, type ParseCsvOptions } from './csv.ts';
export { DataLoader, type DataLoaderOptions, type DataLoaderState } from './loader.ts';
export { toDataset, validateDataset, type DatasetExpectations, type ToDatasetOptions } from './validate.ts';
