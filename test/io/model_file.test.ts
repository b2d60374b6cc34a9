// Models saved and loaded: PyTorch's own files (mlp.pt, mlp.safetensors, logicnet.pt from PyTorch 1.13) give
// exactly PyTorch's weights and its logits for the ten rows of expected.json; anneal's files rebuild the same
// class bit for bit; a file that does not fit is refused naming the file and what is wrong, and nothing loads.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/io/model_file.ts';
import { loadModelFile, loadWeightsFile, saveModelFile } from '../../src/io/model_file_node.ts';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.ts';
import { FileFormatError } from '../../src/io/tensors.ts';
import { LogicNet, MLP } from '../../src/nn/models.ts';
import { Linear, ReLU, Sigmoid, Tanh } from '../../src/nn/modules.ts';
import { Sequential } from '../../src/nn/sequential.ts';
import { TorchGenerator } from '../../src/nn/init.ts';
import { Adam } from '../../src/optim/adam.ts';
import { saveCheckpoint } from '../../src/train/checkpoint.ts';
import expected from '../fixtures/interop/expected.json' with { type: 'json' };

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/interop/${name}`, import.meta.url)));
type ModelName = keyof typeof expected.models;
const flatState = (m: ModelName) =>
  Object.fromEntries(
    Object.entries(expected.models[m].state_dict as Record<string, number[] | number[][]>).map(([k, v]) => [
      k,
      v.flat().map(Math.fround),
    ]),
  );
const modelState = (model: Sequential) =>
  Object.fromEntries(model.namedParameters().map(([k, p]) => [k, Array.from(p.data)]));

/** PyTorch's logits for the fixture's ten rows, within 1e-5 (relative to the logit's size, at least 1). */
function expectTorchLogits(model: Sequential, m: ModelName): void {
  const { X, logits } = expected.models[m];
  const got = model.forward(X);
  expect(got.rows).toBe(10);
  logits.flat().forEach((want, i) => {
    expect(Math.abs(got.data[i] - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
  });
}

describe("loadModel: PyTorch's files", () => {
  it('mlp.safetensors: nn.Sequential(Linear(2, 8), Tanh(), Linear(8, 3)) with exactly its weights', () => {
    const model = loadModel(fixture('mlp.safetensors'), { file: 'mlp.safetensors' });
    expect(model).toBeInstanceOf(Sequential);
    expect(model.modules.map(String)).toEqual([
      'Linear(in_features=2, out_features=8, bias=True)',
      'Tanh()',
      'Linear(in_features=8, out_features=3, bias=True)',
    ]);
    expect(modelState(model)).toEqual(flatState('mlp'));
    expectTorchLogits(model, 'mlp');
  });

  it('mlp.pt (torch.save zip, restricted unpickler): the same weights and logits', () => {
    const model = loadModel(fixture('mlp.pt'), { file: 'mlp.pt' });
    expect(model.namedParameters().map(([k]) => k)).toEqual(expected.models.mlp.state_dict_keys);
    expect(modelState(model)).toEqual(flatState('mlp'));
    expectTorchLogits(model, 'mlp');
  });

  it("logicnet.pt: the lesson's LogicNet (Linear1, Linear2)", () => {
    const model = loadModel(fixture('logicnet.pt'), { file: 'logicnet.pt' });
    expect(model).toBeInstanceOf(LogicNet);
    expect(modelState(model)).toEqual(flatState('logicnet'));
    expectTorchLogits(model, 'logicnet');
  });

  it('loads into an existing model of the right shape, and refuses the wrong one unchanged', () => {
    const net = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
    net.loadWeights(fixture('logicnet.pt'), { file: 'logicnet.pt' });
    expect(modelState(net)).toEqual(flatState('logicnet'));
    const other = new MLP({ sizes: [2, 8, 3], seed: 0 });
    const before = modelState(other);
    expect(() => other.loadWeights(fixture('mlp.pt'), { file: 'mlp.pt' })).toThrow(
      /^mlp\.pt: the file does not fit MLP .*missing layers\.0\.weight.*unexpected 0\.weight/,
    );
    const wide = new Sequential(new Linear(2, 9), new Tanh(), new Linear(9, 3));
    expect(() => wide.loadWeights(fixture('mlp.safetensors'), { file: 'mlp.safetensors' })).toThrow(
      /^mlp\.safetensors: tensor 0\.weight has shape \[8, 2\] but Sequential's 0\.weight is \[9, 2\]/,
    );
    expect(modelState(other)).toEqual(before);
  });
});

describe("anneal's own files", () => {
  const models = (): Sequential[] => [
    new MLP({ sizes: [3, 5, 4, 2], activation: 'relu', seed: 4 }),
    new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 5 }),
    new Sequential(
      new Linear(2, 4, { generator: new TorchGenerator(6) }),
      new Sigmoid(),
      new Linear(4, 4, { generator: new TorchGenerator(7) }),
      new ReLU(),
      new Linear(4, 3, { generator: new TorchGenerator(8) }),
    ),
  ];

  it('save → loadModel rebuilds the same class, layers and bits', () => {
    for (const model of models()) {
      const again = loadModel(model.save());
      expect(again.constructor).toBe(model.constructor);
      expect(again.modules.map(String)).toEqual(model.modules.map(String));
      expect(modelState(again)).toEqual(modelState(model));
      const x = [[0.3, -1.2, 2].slice(0, model.inputDim), [1, 0.5, -0.25].slice(0, model.inputDim)];
      expect(Array.from(again.forward(x).data)).toEqual(Array.from(model.forward(x).data));
    }
  });

  it("writes PyTorch's keys, F32, {format: pt} and the architecture in __metadata__", () => {
    const model = new MLP({ sizes: [2, 3, 2], seed: 0 });
    const file = readSafetensors(model.save({ note: 'lesson' }));
    expect(file.metadata).toEqual({
      format: 'pt',
      'anneal.version': expect.any(String),
      'anneal.model': '{"class":"MLP","sizes":[2,3,2],"activation":"tanh"}',
      note: 'lesson',
    });
    expect(file.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['layers.0.bias', 'F32', [3]],
      ['layers.0.weight', 'F32', [3, 2]],
      ['layers.1.bias', 'F32', [2]],
      ['layers.1.weight', 'F32', [2, 3]],
    ]);
  });

  it('NaN or infinite weights are refused unless allowNonFinite; -0 is kept', () => {
    const model = new MLP({ sizes: [2, 3, 2], seed: 0 });
    model.layers[1].bias.data[1] = Number.NaN;
    model.layers[0].bias.data[0] = -0;
    const bytes = model.save();
    expect(() => loadModel(bytes, { file: 'nan.safetensors' })).toThrow(
      /^nan\.safetensors: tensor layers\.1\.bias holds NaN at index 1: weights must be finite/,
    );
    const loaded = loadModel(bytes, { allowNonFinite: true });
    expect(Number.isNaN(loaded.layers[1].bias.data[1])).toBe(true);
    expect(Object.is(loaded.layers[0].bias.data[0], -0)).toBe(true);
  });

  it("a checkpoint's model: its weights, without the optimizer's buffers", () => {
    const model = new MLP({ sizes: [2, 4, 2], activation: 'sigmoid', seed: 1 });
    const optimizer = new Adam(model.parameters(), { lr: 0.05 });
    model.trainStep([[0.5, -1]], [1], optimizer);
    const bytes = saveCheckpoint({ model, optimizer, step: 1 });
    expect(readSafetensors(bytes).tensors.some((t) => t.name.startsWith('optimizer.state.0.'))).toBe(true);
    const loaded = loadModel(bytes);
    expect(loaded.architecture()).toEqual(model.architecture());
    expect(modelState(loaded)).toEqual(modelState(model));
  });

  it('an activation option that contradicts the file is refused', () => {
    const bytes = new MLP({ sizes: [2, 3, 2], activation: 'relu', seed: 0 }).save();
    expect(() => loadModel(bytes, { activation: 'tanh' })).toThrow(/records its activations \(relu\)/);
    expect(loadModel(bytes, { activation: 'ReLU' }).modules[1]).toBeInstanceOf(ReLU);
  });
});

describe('files whose keys describe no model anneal builds are refused, naming the file', () => {
  const w = (shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  const refused = (tensors: Record<string, ReturnType<typeof w>>, message: RegExp) => {
    const err = (() => {
      try {
        loadModel(writeSafetensors(tensors), { file: 'x.safetensors' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as Error).message).toMatch(/^x\.safetensors: /);
    expect((err as Error).message).toMatch(message);
  };

  it('unknown keys, a missing bias, a convolution, layers that do not chain, unknown modules between', () => {
    refused({ 'fc1.weight': w([3, 2]), 'fc1.bias': w([3]) }, /cannot place the tensor fc1\.bias/);
    refused({ '0.weight': w([3, 2]) }, /layer 0 needs both 0\.weight and 0\.bias/);
    refused({ '0.weight': w([3, 2, 3, 3]), '0.bias': w([3]) }, /not \[out, in\] of a Linear layer/);
    refused(
      { '0.weight': w([3, 2]), '0.bias': w([3]), '2.weight': w([2, 4]), '2.bias': w([2]) },
      /2\.weight takes 4 inputs but the layer before gives 3/,
    );
    refused(
      { '0.weight': w([3, 2]), '0.bias': w([3]), '3.weight': w([2, 3]), '3.bias': w([2]) },
      /modules 1\.\.2 between two Linear layers hold no weights/,
    );
    refused({ '0.weight': w([3, 2]), '0.bias': w([3]), 'layers.1.weight': w([2, 3]) }, /mix naming schemes/);
    refused({}, /holds no tensors/);
  });

  it('a tampered architecture record', () => {
    const bytes = writeSafetensors(
      { 'layers.0.weight': w([3, 2]), 'layers.0.bias': w([3]) },
      { 'anneal.model': '{"class":"MLP","sizes":[2,3],"activation":"softplus"}' },
    );
    expect(() => loadModel(bytes, { file: 'x.safetensors' })).toThrow(/MLP activation must be one of tanh, relu/);
    const huge = writeSafetensors({}, { 'anneal.model': '{"class":"MLP","sizes":[2,1e9],"activation":"tanh"}' });
    expect(() => loadModel(huge, { file: 'x.safetensors' })).toThrow(/sizes must be a list of at least 2 integers/);
  });
});

describe('anneal/node: model files on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anneal-model-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saveModelFile writes atomically what loadModelFile and loadWeightsFile read back', () => {
    const model = new MLP({ sizes: [2, 4, 2], seed: 3 });
    const path = join(dir, 'nested', 'model.safetensors');
    saveModelFile(model, path);
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(model.save()))).toBe(true);
    expect(modelState(loadModelFile(path))).toEqual(modelState(model));
    const other = new MLP({ sizes: [2, 4, 2], seed: 9 });
    loadWeightsFile(other, path);
    expect(modelState(other)).toEqual(modelState(model));
  });

  it('a file that cannot be read is refused naming its path', () => {
    const missing = join(dir, 'nope.safetensors');
    expect(() => loadModelFile(missing)).toThrow(`${missing}: cannot read the file (ENOENT)`);
  });
});
