// Memory: the bytes of linear memory a model and its Adam optimizer report (`memoryBytes`), against the layout
// computed here by hand from the model's widths and batch capacity.
import { Adam, getEngine, LogicNet, MLP, type Sequential } from '../../src/index.ts';
import type { MemoryRow } from '../report.ts';

interface Case {
  name: string;
  sizes: number[];
  batch: number;
  build(): Sequential;
}

const CASES: Case[] = [
  {
    name: 'LogicNet 2-3-2 (W1)',
    sizes: [2, 3, 2],
    batch: 20,
    build: () => new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 }),
  },
  {
    name: 'MLP 784-256-10 (W2)',
    sizes: [784, 256, 10],
    batch: 128,
    build: () => new MLP({ sizes: [784, 256, 10], seed: 0 }),
  },
  { name: 'MLP 2-16-2 (sweep)', sizes: [2, 16, 2], batch: 4096, build: () => new MLP({ sizes: [2, 16, 2], seed: 0 }) },
  { name: 'MLP 2-16-16-2', sizes: [2, 16, 16, 2], batch: 61, build: () => new MLP({ sizes: [2, 16, 16, 2], seed: 0 }) },
];

/**
 * The layout by hand, for an MLP of the given widths (Linear layers with one activation between them):
 * - weights and gradients: 2 · 4 · Σ (out·in + out);
 * - activations for batch capacity S (the batch rounded up to a multiple of 4): 4 · S · (Σ widths of all
 *   activation buffers including the input + Σ widths of their gradient buffers excluding the input + 2 for
 *   the labels and the predictions);
 * - the model descriptor: 4 · (8 + 12 · modules);
 * - Adam: per parameter tensor 3 state buffers · 4 · numel + 16 bytes (step and flags), and the descriptor
 *   4 · (4 + 8 · parameter tensors) + 80 per param group.
 */
export function layoutByHand(sizes: readonly number[], batch: number, groups = 1) {
  const layers = sizes.length - 1;
  const S = Math.ceil(batch / 4) * 4;
  let paramFloats = 0;
  for (let l = 0; l < layers; l++) paramFloats += sizes[l + 1] * sizes[l] + sizes[l + 1];
  const weights = 2 * 4 * paramFloats;
  // Buffers: the input, then each Linear's output, and each activation's output (same width) between layers.
  const buffers = [sizes[0]];
  for (let l = 0; l < layers; l++) {
    buffers.push(sizes[l + 1]);
    if (l + 1 < layers) buffers.push(sizes[l + 1]);
  }
  const acts = buffers.reduce((a, w) => a + w, 0);
  const grads = acts - sizes[0];
  const activations = 4 * S * (acts + grads + 2);
  const modules = 2 * layers - 1;
  const descriptor = 4 * (8 + 12 * modules);
  const tensors = 2 * layers;
  const adam = 3 * 4 * paramFloats + 16 * tensors + 4 * (4 + 8 * tensors) + 80 * groups;
  return { capacity: S, model: weights + activations + descriptor, adam };
}

export function runMemory(): MemoryRow[] {
  const engine = getEngine();
  return CASES.map((c) => {
    const before = engine.bytesInUse;
    const model = c.build();
    model.reserveBatch(c.batch);
    const optimizer = new Adam(model.parameters());
    const allocatedBytes = engine.bytesInUse - before;
    const hand = layoutByHand(c.sizes, c.batch);
    const row: MemoryRow = {
      model: c.name,
      batch: c.batch,
      capacity: model.batchCapacity,
      modelBytes: model.memoryBytes,
      modelBytesByHand: hand.model,
      optimizerBytes: optimizer.memoryBytes,
      optimizerBytesByHand: hand.adam,
      allocatedBytes,
      agree:
        model.memoryBytes === hand.model &&
        optimizer.memoryBytes === hand.adam &&
        model.batchCapacity === hand.capacity,
    };
    optimizer.dispose();
    model.dispose();
    return row;
  });
}
