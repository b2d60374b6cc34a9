/**
 * anneal/node: what needs Node's file system. Everything else is in `anneal`.
 * @module anneal/node
 */
export { loadCsv, loadCsvSync } from './data/csv_file.ts';
export { saveModelFile, loadModelFile, loadWeightsFile } from './io/model_file_node.ts';
export {
  CheckpointWriter,
  checkpointFileName,
  latestCheckpoint,
  listCheckpoints,
  pruneCheckpoints,
  writeCheckpointFile,
  CHECKPOINT_FILE_PATTERN,
  type CheckpointFileEntry,
} from './train/checkpoint_dir.ts';
// Sweeps: worker threads and a results file (src/sweep/index.ts).
export * from './sweep/index.ts';
