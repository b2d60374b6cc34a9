// Hostile weights files: random byte mutations, truncations and header rewrites of real safetensors files,
// fed to the reader, to loadModel (which builds a model from what a file says) and to model.loadWeights. Each
// input loads or is refused with a ValidationError (FileFormatError), never another exception, within a time
// bound; a refused model.loadWeights leaves the model's weights exactly as they were. Seeds are fixed.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/io/model_file.ts';
import { readSafetensors } from '../../src/io/safetensors.ts';
import { MLP } from '../../src/nn/models.ts';
import { loadsOrRefuses } from './support.ts';

const RUNS = 300;
/** Every refusal names the file. */
const FILE = { prefix: 'fuzz.safetensors: ' };
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/interop/${name}`, import.meta.url)));

const mutation = (base: Uint8Array) =>
  fc.oneof(
    fc.nat({ max: base.length }).map((cut) => base.subarray(0, cut)),
    fc
      .array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      })
      .map((edits) => {
        const b = base.slice();
        for (const [at, v] of edits) b[at] = v;
        return b;
      }),
    fc.uint8Array({ maxLength: 64 }).map((tail) => {
      const b = new Uint8Array(base.length + tail.length);
      b.set(base);
      b.set(tail, base.length);
      return b;
    }),
  );

/** A safetensors file around a random header text (the data section sized from a random count). */
function withHeader(header: string, dataBytes: number): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}

const headerEntry = fc.record({
  dtype: fc.constantFrom('F32', 'F16', 'BF16', 'F64', 'I64', 'F31', ''),
  shape: fc.array(fc.oneof(fc.nat({ max: 9 }), fc.constantFrom(-1, 1.5, 2 ** 53, 1e9)), { maxLength: 3 }),
  data_offsets: fc.oneof(
    fc.tuple(fc.nat({ max: 300 }), fc.nat({ max: 300 })),
    fc.constant([0, 4]),
    fc.array(fc.integer({ min: -5, max: 300 }), { maxLength: 3 }),
  ),
});
const keys = fc.constantFrom(
  '0.weight',
  '0.bias',
  '2.weight',
  '2.bias',
  'layers.0.weight',
  'Linear1.bias',
  '__proto__',
  'x',
);
const MLP_RECORD = JSON.stringify(JSON.stringify({ class: 'MLP', sizes: [2, 8, 3], activation: 'tanh' }));
const header = fc.oneof(
  fc.dictionary(keys, headerEntry, { maxKeys: 5 }).map((h) => JSON.stringify(h)),
  fc
    .dictionary(keys, headerEntry, { maxKeys: 3 })
    .map((h) => `{"__metadata__":{"anneal.model":${MLP_RECORD}},${JSON.stringify(h).slice(1)}`),
  fc.string({ maxLength: 40 }),
);

describe('fuzz: weights files load or are refused with a FileFormatError', () => {
  const bases = [fixture('mlp.safetensors'), new MLP({ sizes: [2, 8, 3], seed: 1 }).save()];

  it('byte mutations and truncations of real files (the reader and loadModel)', () => {
    for (const base of bases) {
      fc.assert(
        fc.property(mutation(base), (bytes) => {
          loadsOrRefuses(() => readSafetensors(bytes, 'fuzz.safetensors'), FILE);
          loadsOrRefuses(() => loadModel(bytes, { file: 'fuzz.safetensors' }), FILE);
        }),
        { numRuns: RUNS, seed: 41 },
      );
    }
  });

  it('random headers, and model.loadWeights leaves a refused model unchanged', () => {
    const model = new MLP({ sizes: [2, 8, 3], seed: 2 });
    const before = JSON.stringify(model.stateDict());
    fc.assert(
      fc.property(header, fc.nat({ max: 300 }), (text, dataBytes) => {
        const bytes = withHeader(text, dataBytes);
        loadsOrRefuses(() => loadModel(bytes, { file: 'fuzz.safetensors' }), FILE);
        const refused = loadsOrRefuses(() => model.loadWeights(bytes, { file: 'fuzz.safetensors' }), FILE);
        if (refused) expect(JSON.stringify(model.stateDict())).toBe(before);
        else model.loadStateDict(JSON.parse(before));
      }),
      { numRuns: RUNS, seed: 42 },
    );
  });
});
