import type { Engine } from '../engine/index.ts';
import { LogicNet, MLP } from '../nn/models.ts';
import {
  ACTIVATIONS,
  activationFromName,
  activationFromRecord,
  type ActivationRecord,
  Linear,
  type Layer,
} from '../nn/modules.ts';
import { TorchGenerator } from '../nn/init.ts';
import { Sequential } from '../nn/sequential.ts';
import { FileFormatError, type TensorFile } from './tensors.ts';
import {
  ARCHITECTURE_KEY,
  type ExpectedTensor,
  matchWeights,
  type ModelArchitecture,
  readWeights,
  type WeightsOptions,
} from './weights.ts';

/** Options of `loadModel`. */
export interface LoadModelOptions extends WeightsOptions {
  /**
   * The activation between layers when the file does not say (PyTorch's own files record weights, not
   * modules): 'tanh' (default, as `MLP`), 'relu' or 'sigmoid'. A file anneal wrote names its activations.
   */
  activation?: string;
  /** The engine that holds the model; default the shared one. */
  engine?: Engine;
}

/** The layer sizes and key scheme of a model, from anneal's record or inferred from PyTorch's keys. */
interface Plan {
  architecture: ModelArchitecture;
  expected: ExpectedTensor[];
}

/**
 * Builds the model a weights file holds and loads its weights: a safetensors file or PyTorch's
 * `torch.save(model.state_dict())` (.pt, read by a restricted unpickler that never runs code). A file anneal
 * wrote rebuilds its class (`MLP`, `LogicNet`, `Sequential`) from `__metadata__`; otherwise the architecture is
 * read from PyTorch's keys: `0.weight, 0.bias, 2.weight, …` is an `nn.Sequential` of Linear layers with an
 * activation (`options.activation`) at each index between them, `layers.{i}.*` an `MLP`, `Linear1.*` and
 * `Linear2.*` the lesson's `LogicNet`. The file is checked whole (shapes chain, values finite unless
 * `allowNonFinite`) before any model is built; every refusal is a FileFormatError naming the file.
 */
export function loadModel(bytes: Uint8Array, options: LoadModelOptions = {}): Sequential {
  const file = readWeights(bytes, options.file);
  const plan = planModel(file, options);
  const values = matchWeights(plan.expected, file, describePlan(plan.architecture), options);
  const model = buildModel(plan.architecture, options.engine);
  model.parameters().forEach((p, i) => p.data.set(values[i]));
  return model;
}

function describePlan(a: ModelArchitecture): string {
  if (a.class === 'Sequential') return `a Sequential of ${a.modules.map((m) => m.type).join(', ')}`;
  return `${a.class} ${a.sizes.join('-')}`;
}

function buildModel(a: ModelArchitecture, engine: Engine | undefined): Sequential {
  // Seeded, so that building does not draw from the global generator (the weights are overwritten anyway).
  if (a.class === 'MLP') {
    const activationArgs = a.activation_args ?? null;
    return new MLP({ sizes: a.sizes, activation: a.activation, activationArgs, seed: 0, engine });
  }
  if (a.class === 'LogicNet') {
    const [inputDim, hiddenDim, outputDim] = a.sizes;
    return new LogicNet({ inputDim, hiddenDim, outputDim, seed: 0, engine });
  }
  const generator = new TorchGenerator(0);
  const layers: Layer[] = a.modules.map((m) =>
    'in_features' in m
      ? new Linear(m.in_features, m.out_features, { engine, generator })
      : activationFromRecord(m as ActivationRecord),
  );
  return new Sequential(...layers);
}

/** What the file's metadata records, checked; else what PyTorch's keys say. */
function planModel(file: TensorFile, options: LoadModelOptions): Plan {
  const name = options.file ?? 'bytes';
  const recorded = file.metadata?.[ARCHITECTURE_KEY];
  const architecture =
    recorded !== undefined ? checkArchitecture(recorded, name) : inferArchitecture(file, name, options.activation);
  if (recorded !== undefined && options.activation !== undefined) {
    const given = activationFromName(options.activation, 'loadModel: activation').name;
    const kept = recordedActivations(architecture);
    if (kept.some((a) => a !== given)) {
      fail(
        name,
        'activation',
        `the file's own (${kept.join(', ')}), or no activation option`,
        options.activation,
        `the file records its activations (${kept.join(', ')}); activation ${options.activation} would change ` +
          'the model (leave it out)',
      );
    }
  }
  return { architecture, expected: expectedOf(architecture) };
}

const fail = (file: string, part: string, allowed: string, got: unknown, detail: string): never => {
  throw new FileFormatError(file, part, allowed, got, detail);
};

const isWidth = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1 << 20;
const ACTIVATION_TYPES = ['Tanh', 'ReLU', 'Sigmoid', 'LeakyReLU', 'GELU', 'ELU', 'SiLU'];

/** anneal's `anneal.model` record, checked as strictly as any user input. */
function checkArchitecture(text: string, file: string): ModelArchitecture {
  const bad = (detail: string): never =>
    fail(file, ARCHITECTURE_KEY, 'an MLP, LogicNet or Sequential description', text.slice(0, 80), detail);
  let a: unknown;
  try {
    a = JSON.parse(text);
  } catch {
    return bad(`__metadata__ ${ARCHITECTURE_KEY} is not JSON`);
  }
  if (typeof a !== 'object' || a === null) return bad(`__metadata__ ${ARCHITECTURE_KEY} is not an object`);
  const o = a as Record<string, unknown>;
  const sizes = o.sizes;
  const goodSizes = Array.isArray(sizes) && sizes.length >= 2 && sizes.every(isWidth);
  if (o.class === 'MLP') {
    if (!goodSizes) return bad('MLP sizes must be a list of at least 2 integers in [1, 1048576]');
    if (typeof o.activation !== 'string' || !(ACTIVATIONS as readonly string[]).includes(o.activation)) {
      return bad(`MLP activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(o.activation)}`);
    }
    const args = o.activation_args;
    if (args === undefined || args === null)
      return { class: 'MLP', sizes: sizes as number[], activation: o.activation };
    try {
      if (typeof args !== 'object' || Array.isArray(args)) throw new Error('not an object');
      activationFromName(o.activation, 'activation_args', args as Record<string, unknown>);
    } catch (err) {
      return bad(`MLP activation_args ${JSON.stringify(args)} are not ${o.activation}'s: ${(err as Error).message}`);
    }
    const activationArgs = args as Record<string, number>;
    return { class: 'MLP', sizes: sizes as number[], activation: o.activation, activation_args: activationArgs };
  }
  if (o.class === 'LogicNet') {
    if (!goodSizes || (sizes as number[]).length !== 3) return bad('LogicNet sizes must be 3 integers');
    return { class: 'LogicNet', sizes: sizes as number[] };
  }
  if (o.class === 'Sequential' && Array.isArray(o.modules) && o.modules.length > 0) {
    const modules = o.modules.map((m: unknown) => {
      const e = (m ?? {}) as Record<string, unknown>;
      if (e.type === 'Linear' && isWidth(e.in_features) && isWidth(e.out_features)) {
        return { type: 'Linear' as const, in_features: e.in_features, out_features: e.out_features };
      }
      if (typeof e.type === 'string' && ACTIVATION_TYPES.includes(e.type)) {
        try {
          activationFromRecord(e as unknown as ActivationRecord, 'module');
        } catch (err) {
          return bad(`Sequential module ${JSON.stringify(m)}: ${(err as Error).message}`);
        }
        return { ...e, type: e.type };
      }
      return bad(`Sequential module ${JSON.stringify(m)} is not a Linear layer or ${ACTIVATION_TYPES}`);
    });
    return { class: 'Sequential', modules };
  }
  return bad(`__metadata__ ${ARCHITECTURE_KEY} names no model anneal builds (MLP, LogicNet, Sequential)`);
}

/** The activations an architecture names, lower-case. */
function recordedActivations(a: ModelArchitecture): string[] {
  if (a.class === 'MLP') return a.sizes.length > 2 ? [a.activation] : [];
  if (a.class === 'LogicNet') return ['tanh'];
  return a.modules.filter((m) => !('in_features' in m)).map((m) => activationFromRecord(m as ActivationRecord).name);
}

/** The parameters an architecture has, with PyTorch's keys and shapes, in the model's order. */
function expectedOf(a: ModelArchitecture): ExpectedTensor[] {
  const linears: { key: string; inF: number; outF: number }[] = [];
  if (a.class === 'Sequential') {
    a.modules.forEach((m, i) => {
      if ('in_features' in m) linears.push({ key: String(i), inF: m.in_features, outF: m.out_features });
    });
  } else {
    const keys = a.class === 'LogicNet' ? ['Linear1', 'Linear2'] : a.sizes.slice(1).map((_, i) => `layers.${i}`);
    for (let i = 0; i + 1 < a.sizes.length; i++) linears.push({ key: keys[i], inF: a.sizes[i], outF: a.sizes[i + 1] });
  }
  return linears.flatMap(({ key, inF, outF }) => [
    { key: `${key}.weight`, shape: [outF, inF] },
    { key: `${key}.bias`, shape: [outF] },
  ]);
}

/** The layers PyTorch's keys describe: `{prefix}.weight` [out, in] and `{prefix}.bias` [out] per Linear layer. */
function inferArchitecture(file: TensorFile, name: string, activation = 'tanh'): ModelArchitecture {
  const act = activationFromName(activation, 'loadModel: activation');
  const conventions =
    "PyTorch's nn.Sequential keys (0.weight, 0.bias, 2.weight, ...), anneal's MLP keys (layers.0.weight, ...) " +
    "or the lesson's LogicNet keys (Linear1.weight, Linear1.bias, Linear2.weight, Linear2.bias)";
  const keys = file.tensors.map((t) => t.name);
  const refuse = (detail: string): never =>
    fail(name, 'keys', conventions, keys, `${detail}; anneal reads ${conventions}`);
  if (keys.length === 0) refuse('the file holds no tensors');
  const prefixes = new Map<string, number>();
  for (const k of keys) {
    const m = /^(?:(layers\.)|(Linear))?(\d+)\.(weight|bias)$/.exec(k) ?? refuse(`cannot place the tensor ${k}`);
    const scheme = m[1] ?? m[2] ?? '';
    prefixes.set(scheme, Number(m[3]));
  }
  if (prefixes.size !== 1) refuse(`the keys mix naming schemes (${keys.join(', ')})`);
  const scheme = [...prefixes.keys()][0];
  const index = (k: string) => Number(/(\d+)\.(weight|bias)$/.exec(k)?.[1]);
  const indices = [...new Set(keys.map(index))].sort((a, b) => a - b);
  const shapeOf = (k: string) => file.tensors.find((t) => t.name === k)?.shape;
  const prefix = (i: number) => `${scheme}${i}`;
  const widths: number[] = [];
  for (const i of indices) {
    const w = shapeOf(`${prefix(i)}.weight`);
    const b = shapeOf(`${prefix(i)}.bias`);
    if (!w || !b) refuse(`layer ${prefix(i)} needs both ${prefix(i)}.weight and ${prefix(i)}.bias`);
    const [outF, inF] = w as readonly number[];
    if ((w as readonly number[]).length !== 2 || !isWidth(outF) || !isWidth(inF)) {
      refuse(`${prefix(i)}.weight has shape [${w?.join(', ')}], not [out, in] of a Linear layer`);
    }
    if ((b as readonly number[]).length !== 1 || b?.[0] !== outF) {
      refuse(`${prefix(i)}.bias has shape [${b?.join(', ')}], not [${outF}] (the weight's rows)`);
    }
    if (widths.length && widths[widths.length - 1] !== inF) {
      refuse(`${prefix(i)}.weight takes ${inF} inputs but the layer before gives ${widths[widths.length - 1]}`);
    }
    if (!widths.length) widths.push(inF);
    widths.push(outF);
  }
  if (scheme === 'layers.' || scheme === 'Linear') {
    const first = scheme === 'Linear' ? 1 : 0;
    if (indices.some((v, i) => v !== i + first)) refuse(`the layers are not numbered ${first}, ${first + 1}, ...`);
    if (scheme === 'Linear') {
      if (widths.length !== 3) refuse('a LogicNet has exactly the layers Linear1 and Linear2');
      return { class: 'LogicNet', sizes: widths };
    }
    return { class: 'MLP', sizes: widths, activation: act.name };
  }
  // nn.Sequential: module indices; one module between two Linear layers is the activation.
  if (indices[0] !== 0) refuse('the first layer of an nn.Sequential is module 0');
  const modules: Extract<ModelArchitecture, { class: 'Sequential' }>['modules'] = [];
  indices.forEach((v, i) => {
    if (i > 0) {
      const gap = v - indices[i - 1];
      if (gap > 2) {
        refuse(
          `modules ${indices[i - 1] + 1}..${v - 1} between two Linear layers hold no weights and could be anything`,
        );
      }
      if (gap === 2) modules.push({ type: String(act).replace('()', '') });
    }
    modules.push({ type: 'Linear', in_features: widths[i], out_features: widths[i + 1] });
  });
  return { class: 'Sequential', modules };
}
