// toOnnx: the exported model, run in onnxruntime, computes anneal's own logits (and, with softmax, predictProba)
// and PyTorch's logits for the interop fixtures (test/fixtures/interop/gen_interop_fixtures.py); decoded with the
// same schema, the graph has PyTorch's state-dict keys as initializer names, the opset, IR version and dims asked
// for; and what ONNX cannot express, or a disposed model, is refused.

import { readFileSync } from 'node:fs';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import protobuf from 'protobufjs/light.js';
import { describe, expect, it, vi } from 'vitest';
import { ONNX_IR_VERSIONS, toOnnx } from '../../src/io/onnx.ts';
import { ONNX_SCHEMA } from '../../src/io/onnx_schema.ts';
import { KIND_TANH } from '../../src/engine/layout.ts';
import { LogicNet, MLP } from '../../src/nn/models.ts';
import { Activation, Linear, ReLU, Sigmoid, Tanh } from '../../src/nn/modules.ts';
import { Sequential } from '../../src/nn/sequential.ts';
import { ValidationError } from '../../src/params/error.ts';
import { VERSION } from '../../src/version.ts';

interface FixtureModel {
  state_dict_keys: string[];
  shapes: Record<string, number[]>;
  state_dict: Record<string, number[] | number[][]>;
  X: number[][];
  logits: number[][];
}
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/interop/expected.json', import.meta.url), 'utf8')) as {
  models: Record<'mlp' | 'logicnet', FixtureModel>;
};

/** `rows` rows of `cols` deterministic values in about [-2, 2]. */
function inputs(rows: number, cols: number, salt = 0): number[][] {
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: cols }, (_, c) => 2 * Math.sin(12.9898 * (r * cols + c + 1) + 78.233 * salt)),
  );
}

/** Runs `bytes` in onnxruntime on each batch; the session is released however the run ends. */
async function runOnnx(bytes: Uint8Array, batches: number[][][], input = 'input', output?: string) {
  const session = await InferenceSession.create(bytes);
  try {
    const out: { dims: readonly number[]; data: Float32Array }[] = [];
    for (const x of batches) {
      const feed = { [input]: new Tensor('float32', Float32Array.from(x.flat()), [x.length, x[0].length]) };
      const result = await session.run(feed);
      const tensor = result[output ?? session.outputNames[0]];
      out.push({ dims: tensor.dims, data: tensor.data as Float32Array });
    }
    return { out, inputNames: session.inputNames, outputNames: session.outputNames };
  } finally {
    await session.release();
  }
}

/** Every value within 1e-5 of the wanted one, relative to its size where that exceeds 1. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= tol * Math.max(1, Math.abs(want[i])))) {
      throw new Error(`value ${i}: got ${got[i]}, want ${want[i]} (error ${err})`);
    }
  }
}

/** The exported model against the model's own forward pass, for a 1-row and a 10-row batch in one session. */
async function expectMatchesForward(model: Sequential): Promise<void> {
  const batches = [inputs(1, model.inputDim, 1), inputs(10, model.inputDim, 2)];
  const { out } = await runOnnx(await toOnnx(model), batches);
  batches.forEach((x, i) => {
    const want = model.forward(x);
    expect(out[i].dims).toEqual([x.length, model.outputDim]);
    expectClose(out[i].data, want.data);
  });
}

const root = protobuf.Root.fromJSON(ONNX_SCHEMA as protobuf.INamespace);
const ModelProto = root.lookupType('onnx.ModelProto');

interface Decoded {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImport: { domain?: string; version: number }[];
  graph: {
    name: string;
    docString: string;
    node: { name: string; opType: string; input: string[]; output: string[]; attribute?: object[] }[];
    initializer: { name: string; dims: number[]; dataType: number; rawData: Uint8Array; floatData?: number[] }[];
    input: { name: string; type: { tensorType: { elemType: number; shape: { dim: object[] } } } }[];
    output: { name: string; type: { tensorType: { elemType: number; shape: { dim: object[] } } } }[];
  };
}

/** The ModelProto, int64s as numbers, bytes as Uint8Array. */
function decode(bytes: Uint8Array): Decoded {
  const message = ModelProto.decode(bytes);
  return ModelProto.toObject(message, { longs: Number, arrays: true }) as Decoded;
}

/** Little-endian f32 bytes as numbers. */
function floats(raw: Uint8Array): number[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

/** An activation ONNX has no table entry for (its forward pass in the core is tanh's). */
class Softplus extends Activation {
  readonly name = 'softplus' as never;
  readonly kind = KIND_TANH;
  override toString(): string {
    return 'Softplus()';
  }
}

describe('toOnnx in onnxruntime against anneal', () => {
  it('MLP with tanh: 1-row and 10-row batches through the symbolic batch dimension', async () => {
    const model = new MLP({ sizes: [3, 8, 5, 4], seed: 0 });
    await expectMatchesForward(model);
    model.dispose();
  });

  it('MLP with relu and MLP with sigmoid', async () => {
    for (const activation of ['relu', 'sigmoid']) {
      const model = new MLP({ sizes: [4, 16, 7, 3], activation, seed: 1 });
      await expectMatchesForward(model);
      model.dispose();
    }
  });

  it('leaky_relu, elu (with their arguments), gelu, gelu_tanh and silu, within 1e-5', async () => {
    const cases: [string, Record<string, number> | null][] = [
      ['leaky_relu', null],
      ['leaky_relu', { negative_slope: 0.2 }],
      ['elu', { alpha: 0.7 }],
      ['gelu', null],
      ['gelu_tanh', null],
      ['silu', null],
    ];
    for (const [activation, activationArgs] of cases) {
      const model = new MLP({ sizes: [4, 16, 7, 3], activation, activationArgs, seed: 2 });
      await expectMatchesForward(model);
      model.dispose();
    }
  });

  it('a multi-node activation is a named subgraph with scalar constants; LeakyRelu and Elu carry alpha', async () => {
    const gelu = decode(await toOnnx(new MLP({ sizes: [2, 3, 2], activation: 'gelu', seed: 0 })));
    expect(gelu.graph.node.map((n) => [n.name, n.opType])).toEqual([
      ['Gemm_0', 'Gemm'],
      ['Gelu_1/Div_0', 'Div'],
      ['Gelu_1/Erf_1', 'Erf'],
      ['Gelu_1/Add_2', 'Add'],
      ['Gelu_1/Mul_3', 'Mul'],
      ['Gelu_1/Mul_4', 'Mul'],
      ['Gemm_2', 'Gemm'],
    ]);
    expect(gelu.graph.node[5].output).toEqual(['Gelu_1_output']);
    expect(gelu.graph.node[6].input[0]).toBe('Gelu_1_output');
    const constant = gelu.graph.initializer.find((t) => t.name === 'Gelu_1/c0_1');
    expect(constant?.dims).toEqual([]);
    expect(floats(constant?.rawData as Uint8Array)).toEqual([Math.fround(Math.SQRT2)]);
    const leaky = decode(
      await toOnnx(new MLP({ sizes: [2, 3, 2], activation: 'leaky_relu', activationArgs: { negative_slope: 0.25 } })),
    );
    expect(leaky.graph.node[1]).toMatchObject({
      name: 'LeakyRelu_1',
      opType: 'LeakyRelu',
      attribute: [{ name: 'alpha', f: 0.25 }],
    });
  });

  it('a Sequential mixing relu and sigmoid, ending in an activation', async () => {
    const model = new Sequential(new Linear(4, 6), new ReLU(), new Linear(6, 5), new Sigmoid(), new Linear(5, 3));
    await expectMatchesForward(model);
    const squashed = new Sequential(new Linear(2, 3), new Tanh(), new Linear(3, 2), new Sigmoid());
    await expectMatchesForward(squashed);
    model.dispose();
    squashed.dispose();
  });

  it('LogicNet', async () => {
    const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 7 });
    await expectMatchesForward(model);
    model.dispose();
  });

  it('softmax: true outputs predictProba as `probabilities`', async () => {
    const model = new MLP({ sizes: [3, 6, 4], seed: 2 });
    const x = inputs(10, 3, 3);
    const bytes = await toOnnx(model, { softmax: true });
    const { out, outputNames } = await runOnnx(bytes, [x, x.slice(0, 1)]);
    expect(outputNames).toEqual(['probabilities']);
    expectClose(out[0].data, model.predictProba(x).data);
    expectClose(out[1].data, model.predictProba(x.slice(0, 1)).data);
    const { graph } = decode(bytes);
    expect(graph.node.map((n) => n.name)).toEqual(['Gemm_0', 'Tanh_1', 'Gemm_2', 'Softmax_3']);
    expect(graph.node[3]).toMatchObject({ input: ['Gemm_2_output'], output: ['probabilities'] });
    expect(graph.node[3].attribute).toMatchObject([{ name: 'axis', type: 2, i: 1 }]); // type 2: INT
    model.dispose();
  });

  it('every opset it offers runs in onnxruntime, with that IR version', async () => {
    const model = new MLP({ sizes: [2, 4, 3], activation: 'relu', seed: 3 });
    const x = inputs(5, 2, 4);
    const want = model.forward(x).data;
    const wantProba = model.predictProba(x).data;
    for (const [opset, ir] of Object.entries(ONNX_IR_VERSIONS).map(([o, v]) => [Number(o), v])) {
      for (const softmax of [false, true]) {
        const bytes = await toOnnx(model, { opset, softmax });
        const decoded = decode(bytes);
        expect(decoded.irVersion).toBe(ir);
        expect(decoded.opsetImport).toEqual([{ version: opset }]); // domain '' (ai.onnx), the default: not written
        const { out } = await runOnnx(bytes, [x]);
        expectClose(out[0].data, softmax ? wantProba : want);
      }
    }
    model.dispose();
  });

  it('names the graph, its input and output as asked', async () => {
    const model = new MLP({ sizes: [2, 3, 2], seed: 4 });
    const bytes = await toOnnx(model, { graphName: 'g', inputName: 'x', outputName: 'y', producerVersion: '9.9' });
    const decoded = decode(bytes);
    expect(decoded.producerVersion).toBe('9.9');
    expect(decoded.graph.name).toBe('g');
    expect(decoded.graph.input.map((v) => v.name)).toEqual(['x']);
    expect(decoded.graph.output.map((v) => v.name)).toEqual(['y']);
    const x = inputs(3, 2, 5);
    const { out, inputNames, outputNames } = await runOnnx(bytes, [x], 'x', 'y');
    expect([inputNames, outputNames]).toEqual([['x'], ['y']]);
    expectClose(out[0].data, model.forward(x).data);
    model.dispose();
  });
});

describe('toOnnx against PyTorch (interop fixtures)', () => {
  const cases: [string, FixtureModel, () => Sequential][] = [
    ['mlp', fixtures.models.mlp, () => new Sequential(new Linear(2, 8), new Tanh(), new Linear(8, 3))],
    ['logicnet', fixtures.models.logicnet, () => new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2 })],
  ];

  it.each(cases)('%s: onnxruntime computes PyTorch logits', async (_name, fixture, build) => {
    const model = build();
    model.loadStateDict(fixture.state_dict);
    const { out } = await runOnnx(await toOnnx(model), [fixture.X, fixture.X.slice(0, 1)]);
    expect(out[0].dims).toEqual([10, fixture.logits[0].length]);
    expectClose(out[0].data, fixture.logits.flat());
    expectClose(out[1].data, fixture.logits[0]);
    model.dispose();
  });

  it.each(cases)(
    '%s: the graph decodes with PyTorch keys, opset 13, IR 7 and the dims',
    async (_name, fixture, build) => {
      const model = build();
      model.loadStateDict(fixture.state_dict);
      const decoded = decode(await toOnnx(model));
      const keys = fixture.state_dict_keys;
      const [w0, b0, w1, b1] = keys;
      const [hidden, inputs] = fixture.shapes[w0];
      const outputs = fixture.shapes[w1][0];
      expect(decoded).toMatchObject({ irVersion: 7, producerName: 'anneal', producerVersion: VERSION });
      expect(decoded.opsetImport).toEqual([{ version: 13 }]);
      const { graph } = decoded;
      expect(graph.name).toBe('main_graph');
      expect(graph.docString).toBe(String(model));
      expect(graph.initializer.map((t) => t.name)).toEqual(keys);
      for (const t of graph.initializer) {
        expect(t.dims).toEqual(fixture.shapes[t.name]);
        expect(t.dataType).toBe(1);
        expect(t.floatData).toEqual([]); // the values are raw_data, little-endian f32
        expect(floats(t.rawData)).toEqual(Array.from(Float32Array.from(fixture.state_dict[t.name].flat())));
      }
      expect(graph.node.map((n) => [n.name, n.opType, n.input, n.output])).toEqual([
        ['Gemm_0', 'Gemm', ['input', w0, b0], ['Gemm_0_output']],
        ['Tanh_1', 'Tanh', ['Gemm_0_output'], ['Tanh_1_output']],
        ['Gemm_2', 'Gemm', ['Tanh_1_output', w1, b1], ['logits']],
      ]);
      expect(graph.node[0].attribute).toMatchObject([{ name: 'transB', type: 2, i: 1 }]);
      expect(graph.node[1].attribute).toEqual([]);
      expect([hidden, fixture.shapes[b0], fixture.shapes[b1]]).toEqual([fixture.shapes[w1][1], [hidden], [outputs]]);
      const io = (v: Decoded['graph']['input'][number]) => [
        v.name,
        v.type.tensorType.elemType,
        v.type.tensorType.shape,
      ];
      expect(graph.input.map(io)).toEqual([['input', 1, { dim: [{ dimParam: 'batch' }, { dimValue: inputs }] }]]);
      expect(graph.output.map(io)).toEqual([['logits', 1, { dim: [{ dimParam: 'batch' }, { dimValue: outputs }] }]]);
      model.dispose();
    },
  );
});

describe('toOnnx refuses', () => {
  /** The ValidationError `fn` throws, its `where` `toOnnx`. */
  async function refusal(fn: () => Promise<unknown>): Promise<ValidationError> {
    let caught: unknown;
    try {
      await fn();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).where).toBe('toOnnx');
    return caught as ValidationError;
  }

  it('a disposed model', async () => {
    const model = new MLP({ sizes: [2, 3, 2], seed: 0 });
    model.dispose();
    expect((await refusal(() => toOnnx(model))).message).toMatch(/MLP was disposed/);
  });

  it('an activation ONNX cannot express, naming the layer', async () => {
    const model = new Sequential(new Linear(2, 3), new Softplus(), new Linear(3, 2));
    const err = await refusal(() => toOnnx(model));
    expect(err.param).toBe('model.modules[1]');
    expect(err.message).toMatch(/layer 1 \(Softplus\(\)\) has no ONNX operator; .*tanh, relu, sigmoid/);
    model.dispose();
  });

  it('what is not a model, an opset it does not offer, and bad or clashing names', async () => {
    const model = new MLP({ sizes: [2, 3, 2], seed: 0 });
    expect((await refusal(() => toOnnx({} as Sequential))).param).toBe('model');
    for (const opset of [8, 25, 13.5, Number.NaN, '13']) {
      expect((await refusal(() => toOnnx(model, { opset: opset as number }))).message).toMatch(/\[9, 24\]/);
    }
    expect((await refusal(() => toOnnx(model, { softmax: 1 as never }))).param).toBe('softmax');
    expect((await refusal(() => toOnnx(model, { inputName: '' }))).param).toBe('inputName');
    expect((await refusal(() => toOnnx(model, { graphName: 3 as never }))).param).toBe('graphName');
    expect((await refusal(() => toOnnx(model, { producerVersion: 1 as never }))).param).toBe('producerVersion');
    expect((await refusal(() => toOnnx(model, { inputName: 'layers.0.weight' }))).message).toMatch(/initializer/);
    expect((await refusal(() => toOnnx(model, { outputName: 'Gemm_0_output' }))).message).toMatch(/node output/);
    expect((await refusal(() => toOnnx(model, { inputName: 'y', outputName: 'y' }))).message).toMatch(/input "y"/);
    model.dispose();
  });
});

describe('onnx module', () => {
  it('builds the protobuf types on the first export, not on import', async () => {
    vi.resetModules();
    const fromJSON = vi.spyOn(protobuf.Root, 'fromJSON');
    try {
      const onnx = await import('../../src/io/onnx.ts');
      const models = await import('../../src/nn/models.ts');
      expect(fromJSON).not.toHaveBeenCalled();
      const model = new models.MLP({ sizes: [2, 3, 2], seed: 0 });
      const first = await onnx.toOnnx(model);
      expect(fromJSON).toHaveBeenCalledTimes(1);
      expect(await onnx.toOnnx(model)).toEqual(first);
      expect(fromJSON).toHaveBeenCalledTimes(1);
      expect(first.constructor).toBe(Uint8Array);
      model.dispose();
    } finally {
      fromJSON.mockRestore();
    }
  });
});
