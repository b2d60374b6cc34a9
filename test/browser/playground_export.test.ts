// The playground's exports of the trained model, in a real browser: the page trains, its worker writes the model
// as a safetensors file (`model.save()`) and as an ONNX model (`toOnnx`), and the page downloads them. In Node
// the safetensors file is read back (`readSafetensors`, `loadModel`) to the weights of the page's JSON export and
// of the same run in Node, and the ONNX model runs in onnxruntime to that model's logits.
//
// The page is built into a directory of this file's own (playground.test.ts, which may run at the same time,
// builds dist/web), served on 127.0.0.1, and driven in Debian's Chromium through playwright-core.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRunConfig, runTraining, type Sequential } from '../../src/index.ts';
import { loadModel } from '../../src/io/model_file.ts';
import { readSafetensors } from '../../src/io/safetensors.ts';
import { resolveData } from '../../src/train/run.ts';
import { toRunConfig } from '../../web/src/state.ts';
import { decodeState } from '../../web/src/url.ts';
import { useBuiltPlayground } from './built_playground.ts';

const web = useBuiltPlayground('export', async (page) => {
  // The type of every Blob the page hands to a download link.
  await page.addInitScript(() => {
    const types: string[] = [];
    const create = URL.createObjectURL.bind(URL);
    (window as unknown as { blobTypes: string[] }).blobTypes = types;
    URL.createObjectURL = (obj: Blob | MediaSource) => {
      if (obj instanceof Blob) types.push(obj.type);
      return create(obj);
    };
  });
});

interface Download {
  name: string;
  bytes: Uint8Array;
  type: string;
}

async function download(button: string): Promise<Download> {
  const [file] = await Promise.all([web.page.waitForEvent('download'), web.page.click(button)]);
  const path = await file.path();
  const types = await web.page.evaluate(() => (window as unknown as { blobTypes: string[] }).blobTypes);
  return { name: file.suggestedFilename(), bytes: new Uint8Array(readFileSync(path)), type: types[types.length - 1] };
}

/** Runs the ONNX model on `x` (rows of features) in onnxruntime; the session is released however it ends. */
async function onnxLogits(bytes: Uint8Array, x: Float32Array, rows: number, cols: number): Promise<Float32Array> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes);
  try {
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['logits']);
    const out = await session.run({ input: new ort.Tensor('float32', x, [rows, cols]) });
    return out.logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** The training points and an 11 × 11 grid over [-3, 3]²: where the model is asked. */
function probePoints(train: Float32Array): { x: Float32Array; rows: number } {
  const grid: number[] = [];
  for (let i = 0; i <= 10; i++) for (let j = 0; j <= 10; j++) grid.push(-3 + (6 * i) / 10, -3 + (6 * j) / 10);
  const x = Float32Array.from([...train, ...grid]);
  return { x, rows: x.length / 2 };
}

const cases: [string, string][] = [
  ['the lesson for 200 steps: MLP 2-3-2, tanh, Adam', '?steps=200&speed=max'],
  [
    'blobs in 3 classes, MLP 2-8-8-3, relu, SGD',
    '?data=blobs&n=60&centers=3&hidden=8,8&act=relu&opt=SGD&lr=0.05&steps=150&speed=max',
  ],
];

describe('the playground exports the trained model', () => {
  it.each(cases)(
    '%s: safetensors weights equal the JSON export and Node, ONNX logits equal forward()',
    async (_name, query) => {
      await web.page.goto(`${web.server.url}/${query}`);
      await web.page.waitForSelector('#status[data-step="0"]');
      expect(await web.page.textContent('#export-safetensors')).toBe('weights (.safetensors)');
      expect(await web.page.textContent('#export-onnx')).toBe('ONNX model');
      await web.page.click('#play');
      await web.page.waitForSelector('#status[data-done="true"]', { timeout: 60_000 });

      const json = await download('#export-weights');
      expect(json.name).toBe('anneal-weights.json');
      expect(json.type).toBe('application/json');
      const weights = JSON.parse(new TextDecoder().decode(json.bytes)) as {
        sizes: number[];
        state_dict: Record<string, unknown>;
      };

      const st = await download('#export-safetensors');
      expect(st.name).toBe('anneal-model.safetensors');
      expect(st.type).toBe('application/octet-stream');
      const file = readSafetensors(st.bytes, st.name);
      expect(file.metadata).toMatchObject({ format: 'pt' });
      expect(JSON.parse(file.metadata?.['anneal.model'] ?? 'null')).toMatchObject({ sizes: weights.sizes });
      // safetensors writes its tensors sorted by name, as the reference implementation does.
      expect(file.tensors.map((t) => t.name)).toEqual(Object.keys(weights.state_dict).sort());
      expect(new Set(file.tensors.map((t) => t.dtype))).toEqual(new Set(['F32']));

      // The same run in Node: the link's settings, as `anneal train --config` runs them.
      const settings = decodeState(new URL(web.page.url()).search);
      expect(settings.problems).toEqual([]);
      const config = parseRunConfig(toRunConfig(settings.state));
      const node = runTraining(config);

      const model: Sequential = loadModel(st.bytes, { file: st.name });
      try {
        expect(model.stateDict()).toEqual(weights.state_dict); // bit for bit
        expect(model.layerWeights()).toEqual(node.final);

        const onnx = await download('#export-onnx');
        expect(onnx.name).toBe('anneal-model.onnx');
        expect(onnx.type).toBe('application/octet-stream');
        const { x, rows } = probePoints(resolveData(config).x);
        const logits = await onnxLogits(onnx.bytes, x, rows, 2);
        const expected = model.forward({ rows, cols: 2, data: x });
        expect(expected.rows).toBe(rows);
        expect(logits.length).toBe(rows * expected.cols);
        let worst = 0;
        for (let i = 0; i < logits.length; i++) worst = Math.max(worst, Math.abs(logits[i] - expected.data[i]));
        expect(worst).toBeLessThanOrEqual(1e-5);
      } finally {
        model.dispose();
      }
    },
  );

  it('offers no export before the worker has built a model', async () => {
    // Hold the worker's script back: the page is up, the model not yet built.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let requests = 0;
    await web.page.route(/\/assets\/worker[^/]*\.js$/, async (route) => {
      requests++;
      await held;
      await route.continue();
    });
    await web.page.goto(`${web.server.url}/?steps=20&speed=max`);
    await web.page.waitForSelector('#export-onnx');
    await expect.poll(() => requests).toBe(1);
    for (const id of ['config', 'weights', 'run', 'safetensors', 'onnx'])
      expect(await web.page.isDisabled(`#export-${id}`), id).toBe(true);
    release();
    await web.page.waitForSelector('#status[data-step="0"]');
    for (const id of ['config', 'weights', 'run', 'safetensors', 'onnx'])
      expect(await web.page.isDisabled(`#export-${id}`), id).toBe(false);
    // The untrained model exports too (its initial weights), as the JSON weights do.
    const st = await download('#export-safetensors');
    const model = loadModel(st.bytes);
    expect(model.stateDict()).toEqual(
      (JSON.parse(new TextDecoder().decode((await download('#export-weights')).bytes)) as { state_dict: unknown })
        .state_dict,
    );
    model.dispose();
  });
});
