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
 * The ONNX operator of each activation, by its `name` (`Activation.name`): a new activation that ONNX can
 * express is one line here. `toOnnx` refuses an activation not in this table.
 */
export const ONNX_ACTIVATIONS: Readonly<Record<ActivationName, string>> = {
  tanh: 'Tanh',
  relu: 'Relu',
  sigmoid: 'Sigmoid',
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

  const ops = model.modules.map((m, i) => {
    if (m instanceof Linear) return 'Gemm';
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
    return ONNX_ACTIVATIONS[name];
  });
  if (softmax) ops.push('Softmax');

  const params = model.namedParameters();
  const nodeNames = ops.map((op, i) => `${op}_${i}`);
  const outputs = nodeNames.map((n, i) => (i === nodeNames.length - 1 ? outputName : `${n}_output`));
  const taken = new Map<string, string>();
  for (const [key] of params) taken.set(key, `initializer ${JSON.stringify(key)}`);
  for (const name of outputs.slice(0, -1)) taken.set(name, `node output ${JSON.stringify(name)}`);
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
  const nodes = ops.map((op, i) => {
    const input = [i === 0 ? inputName : outputs[i - 1]];
    const attribute: object[] = [];
    if (op === 'Gemm') {
      const layer = model.modules[i] as Linear;
      input.push(keys.get(layer.weight) as string, keys.get(layer.bias) as string);
      attribute.push({ name: 'transB', type: ATTRIBUTE_INT, i: 1 });
    } else if (op === 'Softmax') {
      attribute.push({ name: 'axis', type: ATTRIBUTE_INT, i: 1 });
    }
    return { name: nodeNames[i], opType: op, input, output: [outputs[i]], attribute };
  });
  const initializer = params.map(([name, p]) => ({
    name,
    dims: [...p.shape],
    dataType: FLOAT,
    rawData: rawFloats(p.data),
  }));

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
