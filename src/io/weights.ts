import type { LayerWeights, Sequential } from '../nn/sequential.ts';
import { activationFromName } from '../nn/modules.ts';
import type { ActivationRecord } from '../nn/modules.ts';
import { CHECKPOINT_KEYS, OPTIMIZER_TENSOR_PREFIX } from '../train/checkpoint.ts';
import { VERSION } from '../version.ts';
import { readSafetensors, writeSafetensors } from './safetensors.ts';
import { FileFormatError, type NamedTensor, type TensorFile, type TensorToWrite } from './tensors.ts';
import { readTorchStateDict } from './torch_pt.ts';

/** The `__metadata__` key under which anneal records a model's architecture (JSON, see ModelArchitecture). */
export const ARCHITECTURE_KEY = 'anneal.model';

/**
 * A model's architecture as anneal records it in a weights file, so that `loadModel` rebuilds the same class:
 * `MLP` (sizes, activation and its `activation_args`), `LogicNet` (sizes [in, hidden, out]) or `Sequential` (its
 * modules in order: Linear layers, and activations by PyTorch's class with their arguments, `{type: 'ELU', alpha: 1}`).
 */
export type ModelArchitecture =
  | { class: 'MLP'; sizes: number[]; activation: string; activation_args?: Record<string, number> }
  | { class: 'LogicNet'; sizes: number[] }
  | {
      class: 'Sequential';
      modules: ({ type: 'Linear'; in_features: number; out_features: number } | ActivationRecord)[];
    };

/** Options of reading weights into a model. */
export interface WeightsOptions {
  /** The name shown in errors (a path); default `bytes`. */
  file?: string;
  /** Load NaN and infinite weights instead of refusing the file (default false). */
  allowNonFinite?: boolean;
}

/** Whether `bytes` start as a zip archive does (PyTorch's `torch.save` format) rather than safetensors. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * The tensors of a weights file: safetensors, or PyTorch's `torch.save(state_dict)` zip (read by a restricted
 * unpickler that never runs code), told apart by their first bytes. F16, BF16 and F64 come converted to f32.
 * Of a checkpoint (`saveCheckpoint`), the model's weights: its optimizer buffers are left out.
 */
export function readWeights(bytes: Uint8Array, file = 'bytes'): TensorFile {
  if (isZip(bytes)) return readTorchStateDict(bytes, file);
  const read = readSafetensors(bytes, file);
  // A checkpoint's model weights are its tensors without the optimizer's buffers.
  if (read.metadata?.[CHECKPOINT_KEYS.version] === undefined) return read;
  return { ...read, tensors: read.tensors.filter((t) => !t.name.startsWith(OPTIMIZER_TENSOR_PREFIX)) };
}

/** `{"format": "pt"}` (what `safetensors.torch` users expect), anneal's version, the architecture, `extra`. */
function weightsMetadata(architecture: ModelArchitecture, extra: Readonly<Record<string, string>> = {}) {
  return { format: 'pt', 'anneal.version': VERSION, [ARCHITECTURE_KEY]: JSON.stringify(architecture), ...extra };
}

/**
 * The model's weights as a safetensors file: PyTorch's state-dict keys and layout (weight [out, in]), F32, and
 * `__metadata__` `{"format": "pt"}` (what `safetensors.torch.save_file` users expect), anneal's version and the
 * architecture (`anneal.model`), plus `metadata`. `safetensors.torch.load_file` reads it back as a state dict.
 */
export function modelToSafetensors(model: Sequential, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const tensors: Record<string, TensorToWrite> = {};
  for (const [key, p] of model.namedParameters()) tensors[key] = { shape: p.shape, data: p.data };
  return writeSafetensors(tensors, weightsMetadata(model.architecture(), metadata));
}

/** A parameter a model expects: its state-dict key and PyTorch shape. */
export interface ExpectedTensor {
  /** The state-dict key (`0.weight`). */
  readonly key: string;
  /** PyTorch's shape ([out, in] for a weight). */
  readonly shape: readonly number[];
}

/**
 * The safetensors file of a run's trained MLP (`RunResult.final`, the config's sizes and activation), as
 * `model.save()` would write it: `anneal train --out` writes it as model.safetensors. `metadata` adds
 * `__metadata__` entries (`anneal.scaler`, say); without it the file is as before.
 */
export function trainedWeightsFile(
  final: readonly LayerWeights[],
  config: { sizes: readonly number[]; activation: string; activation_args?: Readonly<Record<string, number>> | null },
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const tensors: Record<string, TensorToWrite> = {};
  final.forEach((layer, i) => {
    tensors[`layers.${i}.weight`] = {
      shape: [layer.weight.length, layer.weight[0].length],
      data: f32(layer.weight.flat()),
    };
    tensors[`layers.${i}.bias`] = { shape: [layer.bias.length], data: f32(layer.bias) };
  });
  // The activation's arguments as the MLP itself records them (PyTorch's names, defaults left out).
  const args = activationFromName(config.activation, 'activation', config.activation_args ?? null).args();
  const architecture: ModelArchitecture = {
    class: 'MLP',
    sizes: [...config.sizes],
    activation: config.activation,
    ...(Object.keys(args).length ? { activation_args: args } : {}),
  };
  return writeSafetensors(tensors, weightsMetadata(architecture, metadata));
}

/** The `__metadata__` key of a run's fitted feature scaler (its state dict, JSON) in model.safetensors. */
export const SCALER_KEY = 'anneal.scaler';

const f32 = (values: readonly number[]) => Float32Array.from(values);

/**
 * Checks that `file`'s tensors are exactly `expected` (no key missing, none unknown, every shape PyTorch's) and
 * finite (unless `allowNonFinite`), then returns their values in `expected`'s order; throws a FileFormatError
 * naming the file and what is wrong otherwise. `model` names the model in messages.
 */
export function matchWeights(
  expected: readonly ExpectedTensor[],
  file: TensorFile,
  model: string,
  options: WeightsOptions = {},
): Float32Array[] {
  const name = options.file ?? 'bytes';
  const byName = new Map<string, NamedTensor>(file.tensors.map((t) => [t.name, t]));
  const known = expected.map((e) => e.key);
  const missing = known.filter((k) => !byName.has(k));
  const unexpected = [...byName.keys()].filter((k) => !known.includes(k));
  if (missing.length || unexpected.length) {
    const shapes = expected.map((e) => `${e.key} [${e.shape.join(', ')}]`).join(', ');
    const what = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      unexpected.length ? `unexpected ${unexpected.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    throw new FileFormatError(
      name,
      'keys',
      `exactly the keys ${known.join(', ')}`,
      [...byName.keys()],
      `the file does not fit ${model} (${shapes}): ${what}`,
    );
  }
  return expected.map(({ key, shape }) => {
    const t = byName.get(key) as NamedTensor;
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new FileFormatError(
        name,
        key,
        `shape [${shape.join(', ')}]`,
        t.shape,
        `tensor ${key} has shape [${t.shape.join(', ')}] but ${model}'s ${key} is [${shape.join(', ')}]`,
      );
    }
    if (!options.allowNonFinite) {
      const bad = t.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new FileFormatError(
          name,
          key,
          'finite weights (or allowNonFinite)',
          t.data[bad],
          `tensor ${key} holds ${t.data[bad]} at index ${bad}: weights must be finite ` +
            '(allowNonFinite loads them anyway)',
        );
      }
    }
    return t.data;
  });
}

/** The parameters `model` expects, as matchWeights takes them. */
export function expectedTensors(model: Sequential): ExpectedTensor[] {
  return model.namedParameters().map(([key, p]) => ({ key, shape: p.shape }));
}

/** Reads a weights file (safetensors or PyTorch .pt) into `model`: every check first, then every write. */
export function loadWeightsInto(model: Sequential, bytes: Uint8Array, options: WeightsOptions = {}): void {
  const values = matchWeights(
    expectedTensors(model),
    readWeights(bytes, options.file),
    model.constructor.name,
    options,
  );
  model.parameters().forEach((p, i) => p.data.set(values[i]));
}
