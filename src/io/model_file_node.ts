/**
 * Node-only: model files on disk. Kept apart from model_file.ts so that browser bundles never see `node:fs`.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic_write.ts';
import type { Sequential } from '../nn/sequential.ts';
import { loadModel, type LoadModelOptions } from './model_file.ts';
import { FileFormatError } from './tensors.ts';
import type { WeightsOptions } from './weights.ts';

/** The bytes of the file at `path`; a file that cannot be read is a FileFormatError naming it. */
export function readFileBytes(path: string): Uint8Array {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new FileFormatError(path, 'file', 'a readable file', path, `cannot read the file (${code})`);
  }
}

/** Writes the model's weights to `path` as safetensors (`model.save(metadata)`), atomically. */
export function saveModelFile(model: Sequential, path: string, metadata: Readonly<Record<string, string>> = {}): void {
  writeFileAtomic(path, model.save(metadata));
}

/** Builds the model a safetensors or PyTorch .pt file holds (`loadModel` on its bytes; errors name the path). */
export function loadModelFile(path: string, options: LoadModelOptions = {}): Sequential {
  return loadModel(readFileBytes(path), { file: path, ...options });
}

/** Loads a safetensors or PyTorch .pt file's weights into `model` (`model.loadWeights`; errors name the path). */
export function loadWeightsFile(model: Sequential, path: string, options: WeightsOptions = {}): void {
  model.loadWeights(readFileBytes(path), { file: path, ...options });
}
