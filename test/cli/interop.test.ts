// anneal convert and anneal export on PyTorch's own files (test/fixtures/interop, PyTorch 1.13): converting
// mlp.pt gives, byte for byte, the safetensors file written from the same state dict in Python; the exported
// ONNX model, run in onnxruntime, gives PyTorch's logits; `anneal train --out` saves a model that exports too.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelFile } from '../../src/io/model_file_node.ts';
import { LogicNet } from '../../src/nn/models.ts';
import expected from '../fixtures/interop/expected.json' with { type: 'json' };
import { runCli } from './run_cli.ts';

const fixture = (name: string) => new URL(`../fixtures/interop/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'anneal-interop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runOnnx(path: string, x: number[][]): Promise<{ name: string; data: Float32Array }> {
  const session = await InferenceSession.create(readFileSync(path));
  try {
    const feed = { input: new Tensor('float32', Float32Array.from(x.flat()), [x.length, x[0].length]) };
    const name = session.outputNames[0];
    return { name, data: (await session.run(feed))[name].data as Float32Array };
  } finally {
    await session.release();
  }
}

function expectClose(got: ArrayLike<number>, want: readonly number[]): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(got[i] - w)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(w))));
}

describe('anneal convert', () => {
  it('mlp.pt → safetensors is byte-identical to the file written from the same state dict in Python', async () => {
    const out = join(dir, 'mlp.safetensors');
    const { code, stdout } = await runCli('convert', fixture('mlp.pt'), out);
    expect(code).toBe(0);
    expect(stdout).toMatch(/PyTorch zip \(torch\.save\), F32\) → .*mlp\.safetensors/);
    expect(stdout).toMatch(/0\.weight +\[8, 2\]/);
    expect(Buffer.from(readFileSync(out)).equals(readFileSync(fixture('mlp.safetensors')))).toBe(true);
  });

  it("logicnet.pt → a file that loads as the lesson's LogicNet with PyTorch's weights", async () => {
    const out = join(dir, 'logicnet.safetensors');
    expect((await runCli('convert', fixture('logicnet.pt'), out, '--quiet')).code).toBe(0);
    const model = loadModelFile(out);
    expect(model).toBeInstanceOf(LogicNet);
    const sd = expected.models.logicnet.state_dict as Record<string, number[] | number[][]>;
    for (const [key, p] of model.namedParameters()) expect(Array.from(p.data)).toEqual(sd[key].flat().map(Math.fround));
  });

  it('refuses an output that is not .safetensors, and a file that is neither format, naming it', async () => {
    const bad = await runCli('convert', fixture('mlp.pt'), join(dir, 'x.pt'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/OUT must be a \.safetensors file/);
    const junk = join(dir, 'junk.pt');
    writeFileSync(junk, 'not a checkpoint at all');
    const refused = await runCli('convert', junk, join(dir, 'junk.safetensors'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${junk}: `);
  });
});

describe('anneal export --onnx', () => {
  for (const [file, m] of [
    ['mlp.safetensors', 'mlp'],
    ['mlp.pt', 'mlp'],
    ['logicnet.pt', 'logicnet'],
  ] as const) {
    it(`${file}: onnxruntime gives PyTorch's logits within 1e-5`, async () => {
      const out = join(dir, `${file}.onnx`);
      const { code, stdout } = await runCli('export', fixture(file), '--onnx', out);
      expect(code).toBe(0);
      expect(stdout).toMatch(/Tanh\(\)/);
      const { name, data } = await runOnnx(out, expected.models[m].X);
      expect(name).toBe('logits');
      expectClose(data, expected.models[m].logits.flat());
    });
  }

  it('--softmax: class probabilities, the softmax of PyTorch logits', async () => {
    const out = join(dir, 'mlp-proba.onnx');
    expect((await runCli('export', fixture('mlp.safetensors'), '--onnx', out, '--quiet', '--softmax')).code).toBe(0);
    const { name, data } = await runOnnx(out, expected.models.mlp.X);
    expect(name).toBe('probabilities');
    const want = expected.models.mlp.logits.flatMap((row) => {
      const max = Math.max(...row);
      const e = row.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    });
    expectClose(data, want);
  });

  it('the model `anneal train --out` saves exports, and ONNX computes its logits', async () => {
    const runDir = join(dir, 'run');
    const train = await runCli(
      'train',
      '--steps',
      '50',
      '--hidden',
      '5',
      '--activation',
      'relu',
      '--quiet',
      '--out',
      runDir,
    );
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/model\.safetensors/);
    const modelPath = join(runDir, 'model.safetensors');
    const model = loadModelFile(modelPath);
    expect(model.modules.map(String)[1]).toBe('ReLU()');
    const out = join(dir, 'trained.onnx');
    expect((await runCli('export', modelPath, '--onnx', out, '--quiet')).code).toBe(0);
    const x = expected.models.mlp.X;
    expectClose((await runOnnx(out, x)).data, Array.from(model.forward(x).data));
  });

  it("model.safetensors keeps the activation's arguments: the model loads with them", async () => {
    const runDir = join(dir, 'leaky');
    const args = ['train', '--steps', '20', '--activation', 'leaky_relu', '--negative-slope', '0.2', '--quiet'];
    expect((await runCli(...args, '--out', runDir)).code).toBe(0);
    const model = loadModelFile(join(runDir, 'model.safetensors'));
    expect(String(model.modules[1])).toBe('LeakyReLU(negative_slope=0.2)');
    const json = JSON.parse((await runCli(...args, '--json')).stdout);
    expect(model.layerWeights()).toEqual(json.final);
  });

  it('refuses a missing --onnx, a wrong extension, and an activation the file contradicts', async () => {
    expect((await runCli('export', fixture('mlp.pt'))).stderr).toMatch(/--onnx FILE/);
    expect((await runCli('export', fixture('mlp.pt'), '--onnx', join(dir, 'x.bin'))).stderr).toMatch(/\.onnx file/);
    const saved = join(dir, 'relu.safetensors');
    const train = await runCli('train', '--steps', '5', '--activation', 'relu', '--quiet', '--out', join(dir, 'r'));
    expect(train.code).toBe(0);
    writeFileSync(saved, readFileSync(join(dir, 'r', 'model.safetensors')));
    const clash = await runCli('export', saved, '--onnx', join(dir, 'c.onnx'), '--activation', 'tanh');
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/records its activations \(relu\)/);
  });
});
