import type { INamespace, Type } from 'protobufjs/light.js';
import { disposedError } from '../nn/lifetime.ts';
import { Activation, type ActivationName, Linear } from '../nn/modules.ts';
import { Sequential } from '../nn/sequential.ts';
import { ValidationError } from '../params/error.ts';
import { VERSION } from '../version.ts';
import { ONNX_SCHEMA } from './onnx_schema.ts';

/** Options of `toOnnx`. */
export interface OnnxExportOptions {
  /**
   * Ends the graph with `Softmax(axis=1)`, so it outputs class probabilities (`predictProba`) instead of logits
   * (`forward`); default false.
   */
  softmax?: boolean;
  /** The opset of the default domain (ai.onnx) the graph is written for, in [9, 24]; default 13. */
  opset?: number;
  /** The graph's name; default `main_graph` (what torch.onnx.export writes). */
  graphName?: string;
  /** The graph input's name; default `input`. */
  inputName?: string;
  /** The graph output's name; default `logits`, or `probabilities` with `softmax: true`. */
  outputName?: string;
  /** The model's producer_version; default anneal's version (`VERSION`). */
  producerVersion?: string;
}

/**
 * An input of a node of an activation's ONNX subgraph: `'x'` (the activation's input), the index of an
 * earlier node of the subgraph (its output), or a float32 scalar constant (an initializer).
 */
export type OnnxActivationInput = 'x' | number | { readonly constant: number };

/** One node of an activation's ONNX subgraph: an operator of the default domain, its inputs, float attributes. */
export interface OnnxActivationNode {
  /** The operator (`Tanh`, `Erf`, `Mul`, ...). */
  readonly op: string;
  /** Its inputs, in order. */
  readonly inputs: readonly OnnxActivationInput[];
  /** Float attributes (`alpha` of LeakyRelu and Elu). */
  readonly floats?: Readonly<Record<string, number>>;
}

/** GELU's and GELU-tanh's constants, as f32 computes them in PyTorch (and in the core). */
const SQRT2 = Math.SQRT2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * The ONNX nodes of each activation, by its `name` (`Activation.name`), from the activation (for its
 * arguments): one operator where ONNX has it (Tanh, Relu, Sigmoid, LeakyRelu and Elu with `alpha`), else a
 * subgraph of opset-9 operators — GELU as `0.5·x·(1 + Erf(x/√2))`, its tanh form as
 * `0.5·x·(1 + Tanh(√(2/π)·(x + 0.044715·x³)))`, SiLU as `x·Sigmoid(x)`. The last node's output is the
 * activation's. `toOnnx` refuses an activation not in this table.
 */
export const ONNX_ACTIVATIONS: Readonly<Record<ActivationName, (a: Activation) => readonly OnnxActivationNode[]>> = {
  tanh: () => [{ op: 'Tanh', inputs: ['x'] }],
  relu: () => [{ op: 'Relu', inputs: ['x'] }],
  sigmoid: () => [{ op: 'Sigmoid', inputs: ['x'] }],
  leaky_relu: (a) => [{ op: 'LeakyRelu', inputs: ['x'], floats: { alpha: a.arg } }],
  elu: (a) => [{ op: 'Elu', inputs: ['x'], floats: { alpha: a.arg } }],
  silu: () => [
    { op: 'Sigmoid', inputs: ['x'] },
    { op: 'Mul', inputs: ['x', 0] },
  ],
  gelu: () => [
    { op: 'Div', inputs: ['x', { constant: SQRT2 }] },
    { op: 'Erf', inputs: [0] },
    { op: 'Add', inputs: [1, { constant: 1 }] },
    { op: 'Mul', inputs: ['x', 2] },
    { op: 'Mul', inputs: [3, { constant: 0.5 }] },
  ],
  gelu_tanh: () => [
    { op: 'Mul', inputs: ['x', 'x'] },
    { op: 'Mul', inputs: [0, 'x'] },
    { op: 'Mul', inputs: [1, { constant: 0.044715 }] },
    { op: 'Add', inputs: ['x', 2] },
    { op: 'Mul', inputs: [3, { constant: SQRT_2_OVER_PI }] },
    { op: 'Tanh', inputs: [4] },
    { op: 'Add', inputs: [5, { constant: 1 }] },
    { op: 'Mul', inputs: ['x', 6] },
    { op: 'Mul', inputs: [7, { constant: 0.5 }] },
  ],
};

/** The label of a multi-node activation's nodes (`Gelu_1/Erf_1`). */
const SUBGRAPH_LABELS: Readonly<Partial<Record<ActivationName, string>>> = {
  gelu: 'Gelu',
  gelu_tanh: 'GeluTanh',
  silu: 'Silu',
};

/**
 * The IR version written with each opset `toOnnx` accepts: the IR version of the ONNX release that introduced
 * the opset (onnx/docs/Versioning.md, "Released Versions"), so a runtime that reads that opset reads the file.
 * From opset 9 (IR 4) on, initializers need not be listed among the graph inputs.
 */
export const ONNX_IR_VERSIONS: Readonly<Record<number, number>> = {
  9: 4,
  10: 5,
  11: 6,
  12: 7,
  13: 7,
  14: 7,
  15: 8,
  16: 8,
  17: 8,
  18: 8,
  19: 9,
  20: 9,
  21: 10,
  22: 10,
  23: 11,
  24: 12,
};

/** The opset `toOnnx` writes by default: 13 (IR version 7, ONNX 1.8), read by every current runtime. */
export const DEFAULT_ONNX_OPSET = 13;

/** TensorProto.DataType.FLOAT. */
const FLOAT = 1;
/** AttributeProto.AttributeType.INT. */
const ATTRIBUTE_INT = 2;
/** AttributeProto.AttributeType.FLOAT. */
const ATTRIBUTE_FLOAT = 1;

interface OnnxTypes {
  model: Type;
}

let types: Promise<OnnxTypes> | null = null;

/**
 * The protobufjs types, built from the schema on first use. protobufjs is imported then too: it loads `long`,
 * which compiles a WebAssembly module as it is imported, and importing anneal does no work.
 */
function onnxTypes(): Promise<OnnxTypes> {
  types ??= import('protobufjs/light.js').then(({ default: protobuf }) => {
    const root = protobuf.Root.fromJSON(ONNX_SCHEMA as INamespace);
    return { model: root.lookupType('onnx.ModelProto') };
  });
  return types;
}

/** `values` as little-endian f32 bytes (TensorProto.raw_data). */
function rawFloats(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)); // bit-exact, NaN payloads too
  } else {
    const view = new DataView(out.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  }
  return out;
}

/** A float32 graph input or output of shape [batch, features], the batch dimension symbolic. */
function batchValue(name: string, features: number) {
  const shape = { dim: [{ dimParam: 'batch' }, { dimValue: features }] };
  return { name, type: { tensorType: { elemType: FLOAT, shape } } };
}

function checkName(value: unknown, param: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError('toOnnx', param, 'a non-empty string', value);
  }
  return value;
}

/**
 * The model as an ONNX model (a promise of the bytes of a `.onnx` file, an ONNX ModelProto; asynchronous because
 * protobufjs is loaded on the first export): one graph taking `input`, float32
 * [batch, inputDim] with a symbolic batch dimension, and giving `logits` (or, with `softmax: true`, `probabilities`),
 * float32 [batch, outputDim]. Each Linear layer is a `Gemm(X, W, B, transB=1)` whose weight W [out, in] and bias B
 * [out] are float32 initializers named by PyTorch's state-dict keys (`namedParameters()`: `0.weight`,
 * `Linear1.bias`, ...), values as little-endian `raw_data`; each activation is its ONNX operator
 * (`ONNX_ACTIVATIONS`). Nodes are named by operator and module index (`Gemm_0`, `Tanh_1`, `Gemm_2`, then
 * `Softmax_3`), each node's output by its node (`Gemm_0_output`). producer_name is `anneal`; the IR version is the
 * one of the opset (`ONNX_IR_VERSIONS`).
 *
 * Refuses (a ValidationError, where `toOnnx`) a model that is not a Sequential (MLP and LogicNet are) or was
 * disposed, an activation ONNX cannot express, an opset outside [9, 24], and names that are empty or clash with
 * one another or with an initializer or node output.
 */
export async function toOnnx(model: Sequential, options: OnnxExportOptions = {}): Promise<Uint8Array> {
  const message = onnxModel(model, options); // checked and copied now: the model may change while protobufjs loads
  const { model: ModelProto } = await onnxTypes();
  // A copy: in Node the writer's bytes may be a slice of a shared pool buffer.
  return new Uint8Array(ModelProto.encode(message).finish());
}

/** The ModelProto `toOnnx` encodes, as a plain object (weights copied); every refusal of `toOnnx` is here. */
function onnxModel(model: Sequential, options: OnnxExportOptions) {
  const where = 'toOnnx';
  if (!(model instanceof Sequential)) {
    throw new ValidationError(where, 'model', 'a Sequential model (Sequential, MLP, LogicNet)', String(model));
  }
  if (model.disposed) throw disposedError(where, model.constructor.name, 'model');
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError(where, 'options', 'an object of export options', options);
  }
  const softmax = options.softmax ?? false;
  if (typeof softmax !== 'boolean') throw new ValidationError(where, 'softmax', 'true or false', softmax);
  const opset = options.opset ?? DEFAULT_ONNX_OPSET;
  if (!Number.isInteger(opset) || !Object.hasOwn(ONNX_IR_VERSIONS, opset)) {
    const opsets = Object.keys(ONNX_IR_VERSIONS).map(Number);
    const allowed = `an integer in [${Math.min(...opsets)}, ${Math.max(...opsets)}]`;
    throw new ValidationError(where, 'opset', allowed, opset);
  }
  const graphName = checkName(options.graphName ?? 'main_graph', 'graphName');
  const inputName = checkName(options.inputName ?? 'input', 'inputName');
  const outputName = checkName(options.outputName ?? (softmax ? 'probabilities' : 'logits'), 'outputName');
  const producerVersion = options.producerVersion ?? VERSION;
  if (typeof producerVersion !== 'string') {
    throw new ValidationError(where, 'producerVersion', 'a string', producerVersion);
  }

  // Each module's nodes: a Linear layer is one Gemm, an activation its ONNX_ACTIVATIONS nodes.
  const modules = model.modules.map((m, i) => {
    if (m instanceof Linear) return { label: 'Gemm', nodes: [{ op: 'Gemm', inputs: ['x'] } as OnnxActivationNode] };
    const name = m instanceof Activation ? m.name : undefined;
    if (name === undefined || !Object.hasOwn(ONNX_ACTIVATIONS, name)) {
      const known = Object.keys(ONNX_ACTIVATIONS).join(', ');
      throw new ValidationError(
        where,
        `model.modules[${i}]`,
        `an activation ONNX can express (${known})`,
        String(m),
        `${where}: layer ${i} (${String(m)}) has no ONNX operator; activations ONNX can express: ${known}`,
      );
    }
    const nodes = ONNX_ACTIVATIONS[name](m as Activation);
    return { label: nodes.length === 1 ? nodes[0].op : (SUBGRAPH_LABELS[name] ?? name), nodes };
  });
  if (softmax) modules.push({ label: 'Softmax', nodes: [{ op: 'Softmax', inputs: ['x'] }] });

  const params = model.namedParameters();
  const nodeNames = modules.map((m, i) => `${m.label}_${i}`);
  const outputs = nodeNames.map((n, i) => (i === nodeNames.length - 1 ? outputName : `${n}_output`));
  const taken = new Map<string, string>();
  for (const [key] of params) taken.set(key, `initializer ${JSON.stringify(key)}`);
  for (const name of outputs.slice(0, -1)) taken.set(name, `node output ${JSON.stringify(name)}`);
  // The inner values of multi-node activations: `Gelu_1/Erf_1_output`, constants `Gelu_1/c0`.
  modules.forEach((m, i) => {
    if (m.nodes.length === 1) return;
    m.nodes.forEach((node, j) => {
      if (j < m.nodes.length - 1) taken.set(`${nodeNames[i]}/${node.op}_${j}_output`, 'an inner node output');
      node.inputs.forEach((input, k) => {
        if (typeof input === 'object') taken.set(`${nodeNames[i]}/c${j}_${k}`, 'a constant');
      });
    });
  });
  for (const [param, name] of [
    ['inputName', inputName],
    ['outputName', outputName],
  ]) {
    const clash = taken.get(name);
    if (clash !== undefined) {
      throw new ValidationError(
        where,
        param,
        'a name no other value of the graph has',
        name,
        `${where}: ${param} ${JSON.stringify(name)} is the name of the graph's ${clash}`,
      );
    }
    taken.set(name, param === 'inputName' ? `input ${JSON.stringify(name)}` : `output ${JSON.stringify(name)}`);
  }

  const keys = new Map(params.map(([key, p]) => [p, key]));
  const constants: { name: string; value: number }[] = [];
  const nodes = modules.flatMap((m, i) => {
    const x = i === 0 ? inputName : outputs[i - 1];
    if (m.label === 'Gemm') {
      const layer = model.modules[i] as Linear;
      const input = [x, keys.get(layer.weight) as string, keys.get(layer.bias) as string];
      const attribute = [{ name: 'transB', type: ATTRIBUTE_INT, i: 1 }];
      return [{ name: nodeNames[i], opType: 'Gemm', input, output: [outputs[i]], attribute }];
    }
    const single = m.nodes.length === 1;
    const innerName = (j: number) => `${nodeNames[i]}/${m.nodes[j].op}_${j}`;
    return m.nodes.map((node, j) => {
      const last = j === m.nodes.length - 1;
      const input = node.inputs.map((v, k) => {
        if (v === 'x') return x;
        if (typeof v === 'number') return `${innerName(v)}_output`;
        const name = `${nodeNames[i]}/c${j}_${k}`;
        constants.push({ name, value: v.constant });
        return name;
      });
      const attribute: object[] = Object.entries(node.floats ?? {}).map(([name, f]) => ({
        name,
        type: ATTRIBUTE_FLOAT,
        f,
      }));
      if (node.op === 'Softmax') attribute.push({ name: 'axis', type: ATTRIBUTE_INT, i: 1 });
      const name = single ? nodeNames[i] : innerName(j);
      return { name, opType: node.op, input, output: [last ? outputs[i] : `${innerName(j)}_output`], attribute };
    });
  });
  const initializer = [
    ...params.map(([name, p]) => ({ name, dims: [...p.shape], dataType: FLOAT, rawData: rawFloats(p.data) })),
    ...constants.map(({ name, value }) => ({
      name,
      dims: [],
      dataType: FLOAT,
      rawData: rawFloats(Float32Array.of(value)),
    })),
  ];

  return {
    irVersion: ONNX_IR_VERSIONS[opset],
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'anneal',
    producerVersion,
    graph: {
      name: graphName,
      docString: String(model),
      node: nodes,
      initializer,
      input: [batchValue(inputName, model.inputDim)],
      output: [batchValue(outputName, model.outputDim)],
    },
  };
}
