import {
  KIND_LINEAR, L_KIND, L_WEIGHT, L_WORDS, LOSS_CROSS_ENTROPY, M_LABELS, M_LOSS, M_NOPS, M_TARGETS, M_PRED, M_STRIDE,
  O_GROUPS, O_NPARAMS, O_PARAMS, OP_B, OP_GB, OP_GW, OP_IN_ACT,
  OP_IN_DIM, OP_IN_GRAD, OP_KIND, OP_OUT_ACT, OP_OUT_DIM, OP_OUT_GRAD, OP_W, P_DATA, P_GRAD, P_META, P_SIZE,
  P_STATE1, P_WORDS,
} from './layout';
import { opBase, ptr, word } from './mem';

// Bounds checks of the debug build (asconfig target "debug"): every region a kernel is about to touch must
// lie inside linear memory. The release build is compiled with --noAssert, which removes all of this.

@inline function inBounds(p: usize, bytes: usize): bool {
  return p != 0 && p + bytes <= (<usize>memory.size() << 16);
}

export function checkModel(model: usize, n: i32): void {
  if (ASC_NO_ASSERT) return;
  assert(inBounds(model, 32), 'model descriptor out of bounds');
  const stride = word(model, M_STRIDE);
  assert(stride > 0 && (stride & 3) == 0, 'stride must be a positive multiple of 4');
  assert(n >= 1 && n <= stride, 'batch size exceeds the laid-out capacity');
  const rows = <usize>stride << 2;
  assert(inBounds(ptr(model, M_LABELS), rows) && inBounds(ptr(model, M_PRED), rows), 'labels out of bounds');
  const nOps = word(model, M_NOPS);
  assert(nOps >= 1, 'a model needs at least one op');
  const lossBlock = ptr(model, M_LOSS);
  if (lossBlock != 0) {
    assert(inBounds(lossBlock, <usize>L_WORDS << 2), 'loss block out of bounds');
    const outDim = <usize>word(opBase(model, nOps - 1), OP_OUT_DIM);
    const weight = ptr(lossBlock, L_WEIGHT);
    if (weight != 0) assert(inBounds(weight, outDim << 2), 'loss weights out of bounds');
    if (word(lossBlock, L_KIND) != LOSS_CROSS_ENTROPY) {
      assert(inBounds(ptr(model, M_TARGETS), outDim * rows), 'targets out of bounds');
    }
  }
  for (let k = 0; k < nOps; k++) {
    const op = opBase(model, k);
    const inDim = word(op, OP_IN_DIM);
    const outDim = word(op, OP_OUT_DIM);
    assert(inDim > 0 && outDim > 0, 'op dimensions must be positive');
    assert(inBounds(ptr(op, OP_IN_ACT), <usize>inDim * rows), 'input activations out of bounds');
    assert(inBounds(ptr(op, OP_OUT_ACT), <usize>outDim * rows), 'output activations out of bounds');
    assert(inBounds(ptr(op, OP_OUT_GRAD), <usize>outDim * rows), 'output gradient out of bounds');
    if (k > 0) assert(inBounds(ptr(op, OP_IN_GRAD), <usize>inDim * rows), 'input gradient out of bounds');
    if (word(op, OP_KIND) == KIND_LINEAR) {
      const wBytes = <usize>(inDim * outDim) << 2;
      assert(inBounds(ptr(op, OP_W), wBytes) && inBounds(ptr(op, OP_GW), wBytes), 'weights out of bounds');
      assert(
        inBounds(ptr(op, OP_B), <usize>outDim << 2) && inBounds(ptr(op, OP_GB), <usize>outDim << 2),
        'bias out of bounds',
      );
    } else {
      assert(inDim == outDim, 'an activation keeps its width');
    }
  }
}

export function checkOptimizer(opt: usize): void {
  if (ASC_NO_ASSERT) return;
  assert(inBounds(opt, 16), 'optimizer descriptor out of bounds');
  const n = word(opt, O_NPARAMS);
  assert(inBounds(opt, <usize>(O_PARAMS + n * P_WORDS) << 2), 'optimizer params out of bounds');
  assert(inBounds(ptr(opt, O_GROUPS), 8), 'param groups out of bounds');
  for (let i = 0; i < n; i++) {
    const e = opt + (<usize>(O_PARAMS + i * P_WORDS) << 2);
    const bytes = <usize>word(e, P_SIZE) << 2;
    assert(inBounds(ptr(e, P_DATA), bytes) && inBounds(ptr(e, P_GRAD), bytes), 'parameter out of bounds');
    assert(inBounds(ptr(e, P_STATE1), bytes), 'optimizer state out of bounds');
    assert(inBounds(ptr(e, P_META), 16), 'optimizer step counter out of bounds');
    // The update runs over whole f32x4 blocks: the padding after a parameter and its gradient must be zero.
    const size = word(e, P_SIZE);
    for (let j = size; j < ((size + 3) & ~3); j++) {
      assert(
        load<f32>(ptr(e, P_DATA) + (<usize>j << 2)) == 0 && load<f32>(ptr(e, P_GRAD) + (<usize>j << 2)) == 0,
        'nonzero padding after a parameter',
      );
    }
  }
}
