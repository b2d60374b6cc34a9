// Writers and readers of the records the core reads (assembly/layout.ts): the model descriptor, the optimizer
// descriptor, the param groups' hyper-parameter blocks and the per-parameter step records. Only src/engine/
// knows their word offsets; src/nn/ and src/optim/ go through these classes.
import { type Engine, f32Index, f64Index, i32Index } from './engine.ts';
import {
  G_AMSGRAD,
  G_BETA1,
  G_BETA2,
  G_DAMPENING,
  G_EPS,
  G_LR,
  G_MAXIMIZE,
  G_NESTEROV,
  G_WEIGHT_DECAY,
  G_WORDS,
  L_ARG,
  L_KIND,
  L_REDUCTION,
  L_WEIGHT,
  L_WORDS,
  LOSS_BCE_WITH_LOGITS,
  LOSS_CROSS_ENTROPY,
  LOSS_HUBER,
  LOSS_L1,
  LOSS_MSE,
  LOSS_SMOOTH_L1,
  M_CORRECT,
  M_LABELS,
  M_LOSS,
  M_NOPS,
  M_OPS,
  M_PRED,
  M_STRIDE,
  M_TARGETS,
  O_GROUPS,
  O_KIND,
  O_NPARAMS,
  O_PARAMS,
  OP_ARG,
  OP_B,
  OP_GB,
  OP_GW,
  OP_IN_ACT,
  OP_IN_DIM,
  OP_IN_GRAD,
  OP_KIND,
  OP_OUT_ACT,
  OP_OUT_DIM,
  OP_OUT_GRAD,
  OP_W,
  OP_WORDS,
  P_DATA,
  P_GRAD,
  P_GROUP,
  P_META,
  P_SIZE,
  P_STATE1,
  P_WORDS,
  REDUCTION_MEAN,
  REDUCTION_SUM,
} from './layout.ts';

/** Reads i32 word `word` of the record at byte offset `ptr`. */
function getWord(engine: Engine, ptr: number, word: number): number {
  return engine.i32[i32Index(ptr) + word];
}

/** Reads a pointer stored in word `word` of the record at `ptr`, unsigned (an offset may exceed 2 GiB). */
function getPointer(engine: Engine, ptr: number, word: number): number {
  return engine.i32[i32Index(ptr) + word] >>> 0;
}

/** Writes i32 word `word` of the record at `ptr` (a pointer above 2 GiB wraps to the same 32 bits). */
function setWord(engine: Engine, ptr: number, word: number, value: number): void {
  engine.i32[i32Index(ptr) + word] = value;
}

/** The tensors of a Linear op: byte offsets of its weight, bias and their gradients. */
export interface LinearTensors {
  /** Weight [outDim][inDim], f32. */
  weight: number;
  /** Bias [outDim], f32. */
  bias: number;
  /** Gradient of the weight. */
  weightGrad: number;
  /** Gradient of the bias. */
  biasGrad: number;
}

/** One op of a model as the model lays it out: its kind code and, for a Linear op, its tensors. */
export interface OpSpec {
  /** KIND_LINEAR or an activation's KIND_* code (src/engine/layout.ts). */
  kind: number;
  /** The parameters of a Linear op; absent for an activation. */
  tensors?: LinearTensors;
  /** An activation's argument (f32): LeakyReLU's negative_slope, ELU's alpha; default 0. */
  arg?: number;
}

/** Every word of one op of the model descriptor (byte offsets for the buffers). */
export interface OpFields {
  /** The op's kind code. */
  kind: number;
  /** Input width. */
  inDim: number;
  /** Output width. */
  outDim: number;
  /** Input activations, [inDim][stride] f32. */
  inAct: number;
  /** Output activations, [outDim][stride] f32. */
  outAct: number;
  /** Gradient of the input, [inDim][stride]; 0 for the first op (the input needs none). */
  inGrad: number;
  /** Gradient of the output, [outDim][stride]. */
  outGrad: number;
  /** A Linear op's parameters and their gradients; absent (words zero) for an activation. */
  tensors?: LinearTensors;
  /** An activation's argument (OP_ARG, f32); default 0. */
  arg?: number;
}

/**
 * The model descriptor at a byte offset (M_* and OP_* words of assembly/layout.ts): the ops, the batch capacity
 * and the label and prediction buffers that `forward`, `backward`, `loss`, `evaluate` and `loadBatch` read.
 */
export class ModelDescriptor {
  /** Bytes of the descriptor of a model of `nOps` ops. */
  static bytes(nOps: number): number {
    return (M_OPS + nOps * OP_WORDS) * 4;
  }

  /**
   * Bytes of the activation block `layOut` fills: the activations of every width in `dims`, the gradients of
   * every width but the input's, the labels and the predictions, each `stride` lanes wide, and with
   * `floatTargets` the float targets ([output width][stride]) a regression or BCE loss reads.
   */
  static activationBytes(dims: readonly number[], stride: number, floatTargets = false): number {
    const acts = dims.reduce((a, d) => a + d, 0);
    return (acts + acts - dims[0] + 2 + (floatTargets ? dims[dims.length - 1] : 0)) * stride * 4;
  }

  /**
   * @param engine The engine whose memory holds the descriptor.
   * @param ptr Byte offset of the descriptor (`ModelDescriptor.bytes(nOps)` bytes).
   * @param nOps Number of ops.
   */
  constructor(
    readonly engine: Engine,
    readonly ptr: number,
    readonly nOps: number,
  ) {}

  /**
   * Lays out the buffers of batches of up to `stride` samples (a multiple of 4) in `block`, which holds
   * `activationBytes(dims, stride)` bytes, and writes the whole descriptor. `dims[k]` is op k's input width,
   * `dims[k + 1]` its output width.
   */
  layOut(block: number, stride: number, dims: readonly number[], ops: readonly OpSpec[], floatTargets = false): void {
    let next = block;
    const take = (floats: number): number => {
      const p = next;
      next += floats * 4;
      return p;
    };
    const acts = dims.map((d) => take(d * stride));
    const grads = dims.map((d, k) => (k === 0 ? 0 : take(d * stride)));
    const labels = take(stride);
    const predictions = take(stride);
    this.setBatch(stride, labels, predictions);
    setWord(this.engine, this.ptr, M_TARGETS, floatTargets ? take(dims[dims.length - 1] * stride) : 0);
    ops.forEach((op, k) => {
      this.setLayer(k, {
        kind: op.kind,
        inDim: dims[k],
        outDim: dims[k + 1],
        inAct: acts[k],
        outAct: acts[k + 1],
        inGrad: grads[k],
        outGrad: grads[k + 1],
        tensors: op.tensors,
        arg: op.arg,
      });
    });
  }

  /** Writes the header: the op count, the batch capacity `stride` and the label and prediction buffers. */
  setBatch(stride: number, labels: number, predictions: number): void {
    setWord(this.engine, this.ptr, M_NOPS, this.nOps);
    setWord(this.engine, this.ptr, M_STRIDE, stride);
    setWord(this.engine, this.ptr, M_LABELS, labels);
    setWord(this.engine, this.ptr, M_PRED, predictions);
  }

  /** Writes every word of op `k` (the words an activation does not use are zeroed). */
  setLayer(k: number, op: OpFields): void {
    const at = this.opPtr(k);
    this.engine.fillI32(at, OP_WORDS, 0);
    const set = (word: number, value: number) => setWord(this.engine, at, word, value);
    set(OP_KIND, op.kind);
    set(OP_IN_DIM, op.inDim);
    set(OP_OUT_DIM, op.outDim);
    set(OP_IN_ACT, op.inAct);
    set(OP_OUT_ACT, op.outAct);
    set(OP_IN_GRAD, op.inGrad);
    set(OP_OUT_GRAD, op.outGrad);
    if (op.arg !== undefined) this.engine.f32[f32Index(at) + OP_ARG] = op.arg;
    if (op.tensors) {
      set(OP_W, op.tensors.weight);
      set(OP_B, op.tensors.bias);
      set(OP_GW, op.tensors.weightGrad);
      set(OP_GB, op.tensors.biasGrad);
    }
  }

  /** Points the model at its loss block (`LossBlock`), or 0 for nn.CrossEntropyLoss() with its defaults. */
  setLoss(block: number): void {
    setWord(this.engine, this.ptr, M_LOSS, block);
  }

  /** Byte offset of the loss block, 0 for the default cross-entropy. */
  get loss(): number {
    return getPointer(this.engine, this.ptr, M_LOSS);
  }

  /** Byte offset of the staged float targets, [outputs][stride] f32; 0 when the loss takes class labels. */
  get targets(): number {
    return getPointer(this.engine, this.ptr, M_TARGETS);
  }

  /** Batch capacity: the lanes of every activation row (a multiple of 4). */
  get stride(): number {
    return getWord(this.engine, this.ptr, M_STRIDE);
  }

  /** Byte offset of the staged labels, i32[stride]. */
  get labels(): number {
    return getPointer(this.engine, this.ptr, M_LABELS);
  }

  /** Byte offset of the predictions `evaluate` writes, i32[stride]. */
  get predictions(): number {
    return getPointer(this.engine, this.ptr, M_PRED);
  }

  /** Number of correct predictions of the last `evaluate` with labels. */
  get correct(): number {
    return getWord(this.engine, this.ptr, M_CORRECT);
  }

  /** Byte offset of the logits: the last op's output activations, [classes][stride]. */
  get logits(): number {
    return getPointer(this.engine, this.opPtr(this.nOps - 1), OP_OUT_ACT);
  }

  /** Number of classes: the last op's output width. */
  get classes(): number {
    return getWord(this.engine, this.opPtr(this.nOps - 1), OP_OUT_DIM);
  }

  /**
   * Stages rows `indices[0..n)` (or rows 0..n-1 when `indices` is 0) of the row-major f32 dataset at `x`
   * (`features` wide) and their labels at `y` as the batch, in the core: `networkLoadBatch`
   * (assembly/network.ts), the one batch transpose.
   */
  loadBatch(x: number, y: number, features: number, indices: number, n: number): void {
    this.engine.core.loadBatch(this.ptr, x, y, features, indices, n);
  }

  /**
   * Stages a batch held in JavaScript: copies its `rows × cols` row-major values, and its labels (Int32Array) or
   * float targets (row-major Float32Array, `rows × outputs`; zeros when null), into the engine's scratch block
   * and gathers them with `loadBatch`.
   */
  loadHostBatch(x: Float32Array, rows: number, cols: number, labels: Int32Array | Float32Array | null): void {
    const xBytes = Math.ceil((rows * cols) / 4) * 16; // the labels start 16-byte aligned
    const yCount = this.targets ? rows * this.classes : rows;
    const scratch = this.engine.scratch(xBytes + yCount * 4);
    const y = scratch + xBytes;
    this.engine.writeF32(scratch, x.subarray(0, rows * cols));
    if (labels instanceof Float32Array) this.engine.writeF32(y, labels.subarray(0, yCount));
    else if (labels) this.engine.writeI32(y, labels.subarray(0, rows));
    else this.engine.fillI32(y, yCount, 0);
    this.loadBatch(scratch, y, cols, 0, rows);
  }

  /** The logits of the first `n` samples of the last forward pass, one row of `classes` per sample. */
  readLogits(n: number): Float32Array {
    const classes = this.classes;
    const stride = this.stride;
    const f32 = this.engine.f32;
    const logits = f32Index(this.logits);
    const out = new Float32Array(n * classes);
    for (let c = 0; c < classes; c++) for (let s = 0; s < n; s++) out[s * classes + c] = f32[logits + c * stride + s];
    return out;
  }

  /** The staged float targets of the first `n` samples, one row of outputs per sample. */
  readTargets(n: number): Float32Array {
    const classes = this.classes;
    const stride = this.stride;
    const f32 = this.engine.f32;
    const targets = f32Index(this.targets);
    const out = new Float32Array(n * classes);
    for (let c = 0; c < classes; c++) for (let s = 0; s < n; s++) out[s * classes + c] = f32[targets + c * stride + s];
    return out;
  }

  /** The predicted classes of the first `n` samples, from the last `evaluate`. */
  readPredictions(n: number): Int32Array {
    return this.engine.readI32(this.predictions, n);
  }

  private opPtr(k: number): number {
    return this.ptr + (M_OPS + k * OP_WORDS) * 4;
  }
}

/** Where one parameter's tensors live, as the optimizer descriptor records them (byte offsets). */
export interface ParamRecord {
  /** The values, f32[size]. */
  data: number;
  /** The gradient, f32[size]. */
  grad: number;
  /** Number of elements. */
  size: number;
  /** Index of the parameter's param group. */
  group: number;
  /** The state tensors (f32[size] each), at most `OptimizerDescriptor.MAX_STATE`; 0 for an unused one. */
  state: readonly number[];
  /** The parameter's step record (`StepRecord`). */
  meta: number;
}

/**
 * The optimizer descriptor at a byte offset (O_* and P_* words of assembly/layout.ts), which `optimizerStep` and
 * `optimizerZeroGrad` (assembly/optim.ts) read.
 */
export class OptimizerDescriptor {
  /** State tensors a parameter can have (Adam's exp_avg, exp_avg_sq, max_exp_avg_sq). */
  static readonly MAX_STATE = 3;

  /** Bytes of the descriptor of an optimizer over `nParams` parameters. */
  static bytes(nParams: number): number {
    return (O_PARAMS + nParams * P_WORDS) * 4;
  }

  /**
   * @param engine The engine whose memory holds the descriptor.
   * @param ptr Byte offset of the descriptor (`OptimizerDescriptor.bytes(nParams)` bytes).
   */
  constructor(
    readonly engine: Engine,
    readonly ptr: number,
  ) {}

  /** Writes the header: the optimizer's kind code, the parameter count and the param groups' blocks. */
  setHeader(kind: number, nParams: number, groups: number): void {
    setWord(this.engine, this.ptr, O_KIND, kind);
    setWord(this.engine, this.ptr, O_NPARAMS, nParams);
    setWord(this.engine, this.ptr, O_GROUPS, groups);
  }

  /** Writes the entry of parameter `i`. */
  setParam(i: number, p: ParamRecord): void {
    if (p.state.length > OptimizerDescriptor.MAX_STATE)
      throw new RangeError(`OptimizerDescriptor: at most ${OptimizerDescriptor.MAX_STATE} state tensors`);
    const at = this.ptr + (O_PARAMS + i * P_WORDS) * 4;
    setWord(this.engine, at, P_DATA, p.data);
    setWord(this.engine, at, P_GRAD, p.grad);
    setWord(this.engine, at, P_SIZE, p.size);
    setWord(this.engine, at, P_GROUP, p.group);
    p.state.forEach((s, k) => {
      if (s) setWord(this.engine, at, P_STATE1 + k, s);
    });
    setWord(this.engine, at, P_META, p.meta);
  }
}

/** The core's code of each loss (LOSS_* of src/engine/layout.ts), by PyTorch's class name. */
const LOSS_CODES = {
  CrossEntropyLoss: LOSS_CROSS_ENTROPY,
  MSELoss: LOSS_MSE,
  L1Loss: LOSS_L1,
  SmoothL1Loss: LOSS_SMOOTH_L1,
  HuberLoss: LOSS_HUBER,
  BCEWithLogitsLoss: LOSS_BCE_WITH_LOGITS,
} as const;

/** A loss's settings as its block holds them. */
export interface LossSettings {
  /** The loss, by PyTorch's class name. */
  type: keyof typeof LOSS_CODES;
  /** 'mean' or 'sum'. */
  reduction: 'mean' | 'sum';
  /** SmoothL1Loss's beta, HuberLoss's delta, CrossEntropyLoss's label_smoothing; 0 for the others. */
  arg: number;
  /** CrossEntropyLoss's class weights or BCEWithLogitsLoss's pos_weight, one per output; null for none. */
  weight: Float32Array | null;
}

/**
 * A model's loss block (L_* words of assembly/layout.ts) and, right after it, its per-output weights: what the
 * core's loss (`lossOf` in assembly/network.ts) reads at every step.
 */
export class LossBlock {
  /** Bytes of the block of a model of `outputs` outputs (the weights included). */
  static bytes(outputs: number): number {
    return L_WORDS * 4 + Math.ceil(outputs / 4) * 16;
  }

  /**
   * @param engine The engine whose memory holds the block.
   * @param ptr Byte offset of the block (`LossBlock.bytes(outputs)` bytes).
   */
  constructor(
    readonly engine: Engine,
    readonly ptr: number,
  ) {}

  /** Writes every word. */
  write(settings: LossSettings): void {
    setWord(this.engine, this.ptr, L_KIND, LOSS_CODES[settings.type]);
    setWord(this.engine, this.ptr, L_REDUCTION, settings.reduction === 'sum' ? REDUCTION_SUM : REDUCTION_MEAN);
    this.engine.f64[f64Index(this.ptr) + L_ARG / 2] = settings.arg;
    const weights = this.ptr + L_WORDS * 4;
    if (settings.weight) this.engine.writeF32(weights, settings.weight);
    setWord(this.engine, this.ptr, L_WEIGHT, settings.weight ? weights : 0);
  }
}

const GROUP_WORDS = {
  lr: G_LR,
  beta1: G_BETA1,
  momentum: G_BETA1, // SGD's momentum shares Adam's beta1 word
  beta2: G_BETA2,
  eps: G_EPS,
  weightDecay: G_WEIGHT_DECAY,
  dampening: G_DAMPENING,
  amsgrad: G_AMSGRAD,
  maximize: G_MAXIMIZE,
  nesterov: G_NESTEROV,
} as const;

/** A hyper-parameter of a param group's block; flags (amsgrad, maximize, nesterov) are stored as 0 or 1. */
export type GroupField = keyof typeof GROUP_WORDS;

/** The f64 hyper-parameter block of one param group (G_* words), read by the core at every step. */
export class GroupBlock {
  /** Bytes of one block. */
  static readonly BYTES = G_WORDS * 8;

  /**
   * @param engine The engine whose memory holds the block.
   * @param ptr Byte offset of the block (`GroupBlock.BYTES` bytes).
   */
  constructor(
    readonly engine: Engine,
    readonly ptr: number,
  ) {}

  /** The lr, read at every step by schedulers and the Trainer's record: a fixed word, no lookup by name. */
  get lr(): number {
    return this.engine.f64[f64Index(this.ptr) + G_LR];
  }

  /** Adam's beta1 or SGD's momentum (one word), recorded at every step. */
  get beta1(): number {
    return this.engine.f64[f64Index(this.ptr) + G_BETA1];
  }

  /** The value of hyper-parameter `field`. */
  get(field: GroupField): number {
    return this.engine.f64[f64Index(this.ptr) + GROUP_WORDS[field]];
  }

  /** Writes hyper-parameter `field`, unchecked (the param group validates). */
  set(field: GroupField, value: number): void {
    this.engine.f64[f64Index(this.ptr) + GROUP_WORDS[field]] = value;
  }
}

/**
 * A parameter's step record (the f64[2] block P_META points at): the step count, and 1 once SGD's momentum
 * buffer exists (`adamStep` and `sgdParam` in assembly/optim.ts update it).
 */
export class StepRecord {
  /** Bytes of one record. */
  static readonly BYTES = 16;

  /**
   * @param engine The engine whose memory holds the record.
   * @param ptr Byte offset of the record (`StepRecord.BYTES` bytes).
   */
  constructor(
    readonly engine: Engine,
    readonly ptr: number,
  ) {}

  /** Steps taken (PyTorch's `state[p]['step']`). */
  get step(): number {
    return this.engine.f64[f64Index(this.ptr)];
  }

  /** Whether SGD's momentum buffer exists (PyTorch's `momentum_buffer` is not None). */
  get hasBuffer(): boolean {
    return this.engine.f64[f64Index(this.ptr) + 1] !== 0;
  }

  /** Overwrites the step count and the momentum-buffer flag. */
  write(step: number, hasBuffer: boolean): void {
    const i = f64Index(this.ptr);
    this.engine.f64[i] = step;
    this.engine.f64[i + 1] = hasBuffer ? 1 : 0;
  }
}
