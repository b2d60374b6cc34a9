import { ValidationError } from '../params/error.ts';
import { LossBlock, ModelDescriptor, type OpSpec } from '../engine/descriptors.ts';
import type { Engine } from '../engine/index.ts';
import { KIND_LINEAR } from '../engine/layout.ts';
import type { DeviceData } from './device_data.ts';
import { Loss } from './loss.ts';
import { toLabels, toMatrix, toTargets, type Features, type Matrix, type Targets } from './matrix.ts';
import { Criterion, CrossEntropyLoss } from './losses.ts';
import { Activation, activationRecord, Linear, type Layer } from './modules.ts';
import { disposedError, type HeldBlocks, holdBlocks, releaseBlocks } from './lifetime.ts';
import { fromNested, type Parameter } from './parameter.ts';
import { decodeTensor, encodeTensor, type SavedTensor } from './saved_tensor.ts';
import { loadWeightsInto, modelToSafetensors, type ModelArchitecture, type WeightsOptions } from '../io/weights.ts';

/** What the fused training step needs of an optimizer. */
export interface FusedOptimizer {
  /** The engine the optimizer lives in, which must be the model's. */
  readonly engine: Engine;
  /** Byte offset of the optimizer descriptor the core reads. */
  readonly descriptor: number;
  /**
   * Refuses (a ValidationError, where `${model}.trainStep`) unless the optimizer can update the model in a fused
   * step: it was not disposed and every parameter it holds is one of `params` (the model's). The library's
   * optimizers implement it.
   */
  checkFused?(model: string, params: ReadonlySet<Parameter>): void;
}

/**
 * The result of `evaluate`: the model's performance on a batch with targets, by its criterion — accuracy for
 * CrossEntropyLoss; per-label accuracy and exact match for BCEWithLogitsLoss; MSE, MAE and R² for regression.
 */
export interface Evaluation {
  /** The criterion's loss (its reduction: the mean by default). */
  loss: number;
  /**
   * CrossEntropyLoss: fraction of samples whose arg-max is the label. BCEWithLogitsLoss: fraction of (sample,
   * output) pairs where `logit > 0` equals `target > 0.5`. Regression: NaN (no accuracy).
   */
  accuracy: number;
  /**
   * CrossEntropyLoss: the predicted class of every sample. BCEWithLogitsLoss: 0 or 1 per output (`logit > 0`),
   * row-major samples × outputs. Regression: empty (the outputs are `outputs`).
   */
  predictions: Int32Array;
  /** BCEWithLogitsLoss: fraction of samples whose every label is predicted right. */
  exactMatch?: number;
  /** Regression: mean squared error over every output of every sample. */
  mse?: number;
  /** Regression: mean absolute error. */
  mae?: number;
  /** Regression: R², 1 − SS_res/SS_tot per output, averaged over the outputs (scikit-learn's r2_score). */
  r2?: number;
  /** Regression: the outputs, one row per sample. */
  outputs?: Matrix;
}

/** Weights of one Linear layer in PyTorch layout, as `training.json` stores them (`init`, `final`). */
export interface LayerWeights {
  /** Weight rows, [outFeatures][inFeatures]. */
  weight: number[][];
  /** Bias, [outFeatures]. */
  bias: number[];
}

/**
 * A model's weights as PyTorch's `state_dict()`: parameter name (`0.weight`, `layers.1.bias`, ...) to nested
 * arrays. Values JSON cannot carry (NaN, ±Infinity, -0) are the strings `"NaN"`, `"Infinity"`, `"-Infinity"`,
 * `"-0"`, so the dict survives `JSON.stringify` and loads back bit-identically.
 */
export type ModelStateDict = Record<string, SavedTensor>;

/**
 * A chain of layers whose activations for the largest batch seen so far are laid out once in linear memory.
 * Trained with its criterion (`setCriterion`): by default CrossEntropyLoss, the outputs being a classifier's
 * logits.
 */
export class Sequential {
  /** The layers, in order (`Sequential`'s modules, activations included). */
  readonly modules: readonly Layer[];
  /** The parameterised (Linear) layers, in order. */
  readonly layers: readonly Linear[];
  /** The engine whose linear memory holds the model. */
  readonly engine: Engine;
  /** Input features (the first Linear layer's inFeatures). */
  readonly inputDim: number;
  /** Outputs, i.e. classes (the last Linear layer's outFeatures). */
  readonly outputDim: number;
  /** Byte offset of the model descriptor the core reads. */
  readonly descriptor: number;
  private readonly layout: ModelDescriptor;
  private activationBlock = 0;
  private activationBytes = 0;
  private capacity = 0;
  private forwardCount = 0;
  private staged: { n: number; version: number } | null = null;
  /** The whole dataset last gathered by loadBatch, while the input activations still hold it. */
  private resident: DeviceData | null = null;
  private held: HeldBlocks | null = null;
  private ownParams: ReadonlySet<Parameter> | null = null;
  private disposedFlag = false;
  private criterionValue: Criterion = new CrossEntropyLoss();
  private lossBlock = 0;

  constructor(...modules: Layer[]) {
    const where = 'Sequential';
    if (modules.length === 0) {
      throw new ValidationError(
        where,
        'modules',
        'at least one layer',
        modules,
        'Sequential: needs at least one layer',
      );
    }
    const first = modules[0];
    if (!(first instanceof Linear)) {
      throw new ValidationError(
        where,
        'modules[0]',
        'a Linear layer',
        first,
        `Sequential: the first layer must be a Linear layer, got ${String(first)}`,
      );
    }
    let dim = first.inFeatures;
    for (const [i, m] of modules.entries()) {
      if (m instanceof Linear) {
        if (m.inFeatures !== dim) {
          throw new ValidationError(
            where,
            `modules[${i}]`,
            `a Linear layer taking ${dim} features (what the layer before gives)`,
            String(m),
            `Sequential: layer ${i} (${m}) takes ${m.inFeatures} features but the layer before gives ${dim}`,
          );
        }
        if (m.weight.engine !== first.weight.engine) {
          throw new ValidationError(
            where,
            `modules[${i}]`,
            "a layer in the first layer's engine",
            String(m),
            `Sequential: layer ${i} lives in another engine`,
          );
        }
        dim = m.outFeatures;
      } else if (!(m instanceof Activation)) {
        throw new ValidationError(
          where,
          `modules[${i}]`,
          'a layer (Linear or an activation: Tanh, ReLU, Sigmoid, LeakyReLU, GELU, ELU, SiLU)',
          m,
          `Sequential: layer ${i} is not a layer (Linear or an activation: Tanh, ReLU, Sigmoid, LeakyReLU, GELU, ` +
            'ELU, SiLU)',
        );
      }
    }
    this.modules = modules;
    this.layers = modules.filter((m): m is Linear => m instanceof Linear);
    this.engine = first.weight.engine;
    this.inputDim = first.inFeatures;
    this.outputDim = dim;
    this.descriptor = this.engine.alloc(ModelDescriptor.bytes(modules.length));
    this.layout = new ModelDescriptor(this.engine, this.descriptor, modules.length);
    this.held = holdBlocks(this, this.engine, [this.descriptor]);
    this.reserveBatch(4);
  }

  /** Whether `dispose()` has been called. */
  get disposed(): boolean {
    return this.disposedFlag;
  }

  /** Throws `MLP was disposed: build a new model` (where: `MLP.method`) once the model is disposed. */
  protected assertLive(method: string): void {
    if (this.disposedFlag) {
      const name = this.constructor.name;
      throw disposedError(`${name}.${method}`, name, 'model');
    }
  }

  /** Lays out activations for batches of up to `n` samples (called automatically for larger batches). */
  reserveBatch(n: number): void {
    this.assertLive('reserveBatch');
    if (!Number.isInteger(n) || n < 1) {
      throw new ValidationError(
        `${this.constructor.name}.reserveBatch`,
        'n',
        'an integer >= 1',
        n,
        `reserveBatch: n must be an integer >= 1, got ${n}`,
      );
    }
    if (n <= this.capacity) return;
    const stride = (n + 3) & ~3;
    const dims = [this.inputDim, ...this.modules.map((m) => (m instanceof Linear ? m.outFeatures : 0))];
    for (let k = 1; k < dims.length; k++) if (dims[k] === 0) dims[k] = dims[k - 1];
    const floatTargets = this.criterionValue.targets === 'floats';
    const bytes = ModelDescriptor.activationBytes(dims, stride, floatTargets);
    const block = this.engine.alloc(bytes);
    if (this.activationBlock) this.engine.free(this.activationBlock);
    this.activationBlock = block;
    this.holdOwnBlocks();
    this.activationBytes = bytes;
    this.capacity = stride;
    this.staged = null;
    this.resident = null;

    const ops = this.modules.map((m): OpSpec => {
      if (!(m instanceof Linear)) return { kind: (m as Activation).kind, arg: (m as Activation).arg };
      const [w, b] = [m.weight, m.bias];
      return { kind: KIND_LINEAR, tensors: { weight: w.ptr, bias: b.ptr, weightGrad: w.gradPtr, biasGrad: b.gradPtr } };
    });
    this.layout.layOut(block, stride, dims, ops, floatTargets);
  }

  /** The blocks a dispose (or the FinalizationRegistry) frees: descriptor, activations, loss block. */
  private holdOwnBlocks(): void {
    if (!this.held) return;
    const blocks = [this.descriptor, this.activationBlock, this.lossBlock].filter((b) => b !== 0);
    this.held.blocks.splice(0, this.held.blocks.length, ...blocks);
  }

  /** The loss function the model is trained and evaluated with; CrossEntropyLoss() unless `setCriterion` was called. */
  get criterion(): Criterion {
    return this.criterionValue;
  }

  /**
   * Sets the loss function of `getLoss`, `evaluate`, `trainStep` and the Trainer (`new MSELoss()`,
   * `new BCEWithLogitsLoss({posWeight: 2})`, ...): the core computes it fused into the step, with no work in
   * JavaScript. Its targets are class labels (CrossEntropyLoss) or float rows of the output width (the others);
   * switching between the two lays the activations out again. Returns the model.
   */
  setCriterion(criterion: Criterion): this {
    this.assertLive('setCriterion');
    const where = `${this.constructor.name}.setCriterion`;
    if (!(criterion instanceof Criterion)) {
      throw new ValidationError(
        where,
        'criterion',
        'a loss (CrossEntropyLoss, MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCEWithLogitsLoss)',
        criterion,
      );
    }
    const settings = criterion.settings(this.outputDim, where);
    const relayout = criterion.targets !== this.criterionValue.targets;
    if (settings && !this.lossBlock) {
      this.lossBlock = this.engine.alloc(LossBlock.bytes(this.outputDim));
      this.holdOwnBlocks();
    }
    if (settings) new LossBlock(this.engine, this.lossBlock).write(settings);
    this.layout.setLoss(settings ? this.lossBlock : 0);
    this.criterionValue = criterion;
    if (relayout) {
      const capacity = this.capacity;
      this.capacity = 0;
      this.reserveBatch(capacity);
    }
    return this;
  }

  /** Bytes of linear memory this model holds: parameters, gradients, activations, descriptor. */
  get memoryBytes(): number {
    const params = this.parameters().reduce((a, p) => a + p.numel * 8, 0);
    const loss = this.lossBlock ? LossBlock.bytes(this.outputDim) : 0;
    return params + this.activationBytes + ModelDescriptor.bytes(this.modules.length) + loss;
  }

  /** The largest batch the activations are laid out for (a multiple of 4); grows with the batches seen. */
  get batchCapacity(): number {
    return this.capacity;
  }

  /** Every parameter (weight, then bias, of each Linear layer), as `model.parameters()`. */
  parameters(): Parameter[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  /** PyTorch state-dict key prefix of each Linear layer (`0`, `2`, ... for Sequential, as torch.nn.Sequential). */
  protected layerKeys(): string[] {
    return this.modules.flatMap((m, i) => (m instanceof Linear ? [String(i)] : []));
  }

  /** `[name, parameter]` pairs with PyTorch's state-dict names, as `model.named_parameters()`. */
  namedParameters(): [string, Parameter][] {
    const keys = this.layerKeys();
    return this.layers.flatMap(
      (l, i) =>
        [
          [`${keys[i]}.weight`, l.weight],
          [`${keys[i]}.bias`, l.bias],
        ] as [string, Parameter][],
    );
  }

  /** The weights as nested arrays in PyTorch layout, keyed as `model.state_dict()`. */
  stateDict(): ModelStateDict {
    this.assertLive('stateDict');
    const out: ModelStateDict = {};
    for (const [key, p] of this.namedParameters()) out[key] = encodeTensor(p.data, p.shape);
    return out;
  }

  /**
   * Loads weights in PyTorch layout, as `load_state_dict(strict=True)`: the keys (none missing, none unknown),
   * every shape and every value are checked before anything is written, so a refused dict changes nothing. A
   * value is a number that rounds to a finite f32 (1e300 is refused, naming the key and index), or one of the
   * strings `stateDict()` writes for NaN, ±Infinity and -0.
   */
  loadStateDict(state: ModelStateDict): void {
    this.assertLive('loadStateDict');
    const where = `${this.constructor.name}.loadStateDict`;
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw new ValidationError(
        where,
        'state',
        'an object of parameter name to nested arrays',
        state,
        `${where}: expected an object of parameter name to nested arrays (model.stateDict()), got ${
          state === null ? 'null' : Array.isArray(state) ? 'an array' : typeof state
        }`,
      );
    }
    const named = this.namedParameters();
    const known = new Set(named.map(([k]) => k));
    const unexpected = Object.keys(state).filter((k) => !known.has(k));
    const missing = named.filter(([k]) => !Object.hasOwn(state, k)).map(([k]) => k);
    if (unexpected.length || missing.length) {
      throw new ValidationError(
        where,
        'state',
        `an object with exactly the keys ${[...known].join(', ')}`,
        Object.keys(state),
        `loadStateDict: missing keys [${missing.join(', ')}], unexpected keys [${unexpected.join(', ')}]; ` +
          `expected ${[...known].join(', ')}`,
      );
    }
    const values = named.map(([key, p]) => decodeTensor(state[key], p.shape, where, key));
    named.forEach(([, p], i) => p.data.set(values[i]));
  }

  /**
   * The model's class and layer sizes as a weights file records them (`anneal.model` in `__metadata__`), so
   * that `loadModel` builds the same model again.
   */
  architecture(): ModelArchitecture {
    return {
      class: 'Sequential',
      modules: this.modules.map((m) =>
        m instanceof Linear
          ? { type: 'Linear', in_features: m.inFeatures, out_features: m.outFeatures }
          : activationRecord(m),
      ),
    };
  }

  /**
   * The weights as a safetensors file (bytes; `saveModelFile` of `anneal/node` writes them to a path):
   * PyTorch's state-dict keys and layout, F32, `__metadata__` `{"format": "pt", ...}` with the architecture
   * and `metadata`. In Python, `safetensors.torch.load_file(path)` gives the state dict PyTorch loads with
   * `model.load_state_dict`.
   */
  save(metadata: Readonly<Record<string, string>> = {}): Uint8Array {
    this.assertLive('save');
    return modelToSafetensors(this, metadata);
  }

  /**
   * Loads weights from a safetensors file or a PyTorch `torch.save(state_dict)` file (bytes), as
   * `load_state_dict(strict=True)`: the keys must be exactly this model's, the shapes PyTorch's, the values
   * finite (unless `allowNonFinite`); F16, BF16 and F64 are converted to f32. Everything is checked before
   * anything is written, so a refused file changes nothing.
   */
  loadWeights(bytes: Uint8Array, options: WeightsOptions = {}): void {
    this.assertLive('loadWeights');
    loadWeightsInto(this, bytes, options);
  }

  /** Per-layer weights in the `training.json` layout. */
  layerWeights(): LayerWeights[] {
    this.assertLive('layerWeights');
    return this.layers.map((l) => ({ weight: l.weight.toNested() as number[][], bias: l.bias.toNested() as number[] }));
  }

  /**
   * Loads per-layer weights in the `training.json` layout; all are checked before any is written. `what` names them
   * in errors.
   */
  loadLayerWeights(weights: readonly LayerWeights[], what = 'init'): void {
    this.assertLive('loadLayerWeights');
    if (!Array.isArray(weights) || weights.length !== this.layers.length) {
      throw new ValidationError(
        what,
        'weights',
        `weights for ${this.layers.length} layers`,
        Array.isArray(weights) ? weights.length : weights,
        `${what}: expected weights for ${this.layers.length} layers, ` +
          `got ${Array.isArray(weights) ? weights.length : typeof weights}`,
      );
    }
    const values = this.layers.map((l, i) => [
      fromNested(weights[i]?.weight, l.weight.shape, `${what}[${i}].weight`),
      fromNested(weights[i]?.bias, l.bias.shape, `${what}[${i}].bias`),
    ]);
    this.layers.forEach((l, i) => {
      l.weight.data.set(values[i][0]);
      l.bias.data.set(values[i][1]);
    });
  }

  /** Zeroes every parameter's gradient (`model.zero_grad()`), in the core (`zeroGrad` in assembly/index.ts). */
  zeroGrad(): void {
    this.assertLive('zeroGrad');
    this.engine.core.zeroGrad(this.descriptor);
  }

  /**
   * Stages a batch held in JavaScript as the core's input (feature-major, padded lanes zeroed) and labels (zeros
   * when null), through the core's own batch gather (`networkLoadBatch`, as `loadBatch`).
   */
  private stage(x: Matrix, y: Int32Array | Float32Array | null): number {
    const n = x.rows;
    this.reserveBatch(n);
    this.layout.loadHostBatch(x.data, n, x.cols, y);
    this.staged = null;
    this.resident = null;
    return n;
  }

  /** Gathers a batch of a resident dataset inside the core (no per-sample JavaScript work). */
  loadBatch(data: DeviceData, indices: ArrayLike<number> | null = null): number {
    this.assertLive('loadBatch');
    const where = `${this.constructor.name}.loadBatch`;
    data.assertLive(where);
    if (data.engine !== this.engine) {
      throw new ValidationError(
        where,
        'data',
        "data in the model's engine",
        'data in another engine',
        'loadBatch: the data lives in another engine',
      );
    }
    if (data.cols !== this.inputDim) {
      throw new ValidationError(
        where,
        'data',
        `data with ${this.inputDim} features (the model's input width)`,
        data.cols,
        `loadBatch: the data has ${data.cols} features; the model takes ${this.inputDim}`,
      );
    }
    const floats = this.criterionValue.targets === 'floats';
    if (floats ? data.targetCols !== this.outputDim : data.targetCols !== 0) {
      const want = floats
        ? `float targets, ${this.outputDim} per sample (the criterion is ${this.criterionValue.type})`
        : `class labels (the criterion is ${this.criterionValue.type})`;
      const got = data.targetCols ? `${data.targetCols} float targets per sample` : 'class labels';
      throw new ValidationError(where, 'data', want, got, `loadBatch: the data holds ${got}; the model needs ${want}`);
    }
    if (!floats && data.maxLabel >= this.outputDim) {
      throw new ValidationError(
        where,
        'data',
        `labels in [0, ${this.outputDim - 1}]`,
        data.maxLabel,
        `loadBatch: the data has label ${data.maxLabel}; labels must be integers in [0, ${this.outputDim - 1}]`,
      );
    }
    const n = indices ? indices.length : data.rows;
    if (n < 1) throw new ValidationError(where, 'indices', 'at least 1 index', n, 'loadBatch: the batch is empty');
    if (!indices && this.resident === data) return n; // full batch, already in place: nothing to copy
    this.reserveBatch(n);
    const idx = indices ? data.stageIndices(indices) : 0;
    this.layout.loadBatch(data.xPtr, data.yPtr, data.cols, idx, n);
    this.staged = null;
    this.resident = indices ? null : data;
    return n;
  }

  private readLogits(n: number): Matrix {
    return { rows: n, cols: this.outputDim, data: this.layout.readLogits(n) };
  }

  /** Class labels or float targets for `x`, as the criterion takes them. */
  private targetsFor(x: Matrix, y: Targets, method: string): Int32Array | Float32Array {
    const where = `${this.constructor.name}.${method}`;
    if (this.criterionValue.targets === 'floats') return toTargets(y, x.rows, this.outputDim, 'y', where);
    return toLabels(y as ArrayLike<number>, x.rows, this.outputDim, 'y', where);
  }

  /** `toMatrix` for the input of `method`, whose errors name it. */
  private inputOf(x: Features, method: string): Matrix {
    return toMatrix(x, this.inputDim, 'x', `${this.constructor.name}.${method}`);
  }

  /** The logits, one row per sample. */
  forward(x: Features): Matrix {
    this.assertLive('forward');
    const m = this.inputOf(x, 'forward');
    const n = this.stage(m, null);
    this.engine.core.forward(this.descriptor, n);
    this.forwardCount++;
    return this.readLogits(n);
  }

  /**
   * Class probabilities, one row per sample: the softmax of the logits (CrossEntropyLoss); `sigmoid` per output
   * for BCEWithLogitsLoss (a single output as the two columns `[1 − p, p]`). Refused for a regression loss.
   */
  predictProba(x: Features): Matrix {
    this.assertLive('predictProba');
    const type = this.criterionValue.type;
    if (type !== 'CrossEntropyLoss' && type !== 'BCEWithLogitsLoss') {
      throw new ValidationError(
        `${this.constructor.name}.predictProba`,
        'criterion',
        'CrossEntropyLoss or BCEWithLogitsLoss (a classifier)',
        type,
        `predictProba: the model is trained with ${type}, a regression loss: it has no class probabilities ` +
          '(forward and predict give its outputs)',
      );
    }
    const logits = this.forward(x);
    if (type === 'BCEWithLogitsLoss') return sigmoidProba(logits);
    const out = new Float32Array(logits.data.length);
    const k = logits.cols;
    for (let r = 0; r < logits.rows; r++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, logits.data[r * k + c]);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += out[r * k + c] = Math.exp(logits.data[r * k + c] - max);
      for (let c = 0; c < k; c++) out[r * k + c] /= sum;
    }
    return { rows: logits.rows, cols: k, data: out };
  }

  /**
   * The predictions, by the criterion: CrossEntropyLoss, the arg-max class of every sample (an Int32Array);
   * BCEWithLogitsLoss, 0 or 1 per output (`sigmoid(logit) > 0.5`, i.e. `logit > 0`), row-major samples ×
   * outputs (an Int32Array); regression, the raw outputs, row-major (a Float32Array).
   */
  predict(x: Features): Int32Array | Float32Array {
    this.assertLive('predict');
    const m = this.inputOf(x, 'predict');
    const n = this.stage(m, null);
    this.engine.core.evaluate(this.descriptor, n, 0);
    this.forwardCount++;
    const type = this.criterionValue.type;
    if (type === 'CrossEntropyLoss') return this.readPredictions(n);
    const outputs = this.layout.readLogits(n);
    return type === 'BCEWithLogitsLoss' ? Int32Array.from(outputs, (v) => (v > 0 ? 1 : 0)) : outputs;
  }

  private readPredictions(n: number): Int32Array {
    return this.layout.readPredictions(n);
  }

  /**
   * The criterion's loss on (x, y) — y class labels for CrossEntropyLoss, float targets (a row of outputs per
   * sample) for the others; `backward()` on the result fills the gradients, as in PyTorch.
   */
  getLoss(x: Features, y: Targets): Loss {
    this.assertLive('getLoss');
    const m = this.inputOf(x, 'getLoss');
    const n = this.stage(m, this.targetsFor(m, y, 'getLoss'));
    return this.lossOfStaged(n);
  }

  /** The loss of the batch staged by `loadBatch`. */
  lossOfStaged(n: number): Loss {
    this.assertLive('getLoss');
    const core = this.engine.core;
    core.forward(this.descriptor, n);
    const value = core.loss(this.descriptor, n);
    const version = ++this.forwardCount;
    this.staged = { n, version };
    return new Loss(value, () => {
      this.assertLive('backward');
      if (!this.staged || this.staged.version !== version) {
        throw new Error(
          'Loss.backward: the model has run another forward pass since this loss was computed; compute the loss again',
        );
      }
      core.backward(this.descriptor, n);
    });
  }

  /** The loss and the criterion's metrics on (x, y) (see `Evaluation`) without touching any gradient. */
  evaluate(x: Features, y: Targets): Evaluation {
    this.assertLive('evaluate');
    const m = this.inputOf(x, 'evaluate');
    const n = this.stage(m, this.targetsFor(m, y, 'evaluate'));
    return this.evaluateStaged(n);
  }

  /** `evaluate` on the first `n` samples staged by `loadBatch`. */
  evaluateStaged(n: number): Evaluation {
    this.assertLive('evaluate');
    const loss = this.engine.core.evaluate(this.descriptor, n, 1);
    this.forwardCount++;
    const type = this.criterionValue.type;
    if (type === 'CrossEntropyLoss') {
      return { loss, accuracy: this.layout.correct / n, predictions: this.readPredictions(n) };
    }
    const k = this.outputDim;
    const out = this.layout.readLogits(n);
    const target = this.layout.readTargets(n);
    if (type === 'BCEWithLogitsLoss') {
      const predictions = Int32Array.from(out, (v) => (v > 0 ? 1 : 0));
      let right = 0;
      let exact = 0;
      for (let s = 0; s < n; s++) {
        let all = true;
        for (let c = 0; c < k; c++) {
          const ok = predictions[s * k + c] === (target[s * k + c] > 0.5 ? 1 : 0);
          if (ok) right++;
          else all = false;
        }
        if (all) exact++;
      }
      return { loss, accuracy: right / (n * k), predictions, exactMatch: exact / n };
    }
    return { loss, accuracy: Number.NaN, predictions: new Int32Array(0), ...regressionMetrics(out, target, n, k) };
  }

  /**
   * One fused training step in a single call into the core: zero the gradients, forward, loss, backward,
   * and the optimizer's update. Returns the loss; the same numbers as the line-by-line loop.
   */
  trainStep(x: Features, y: Targets, optimizer: FusedOptimizer): number {
    this.checkOptimizer(optimizer);
    const m = this.inputOf(x, 'trainStep');
    const n = this.stage(m, this.targetsFor(m, y, 'trainStep'));
    this.forwardCount++;
    return this.engine.core.trainStep(this.descriptor, optimizer.descriptor, n);
  }

  /** `trainStep` on the first `n` samples staged by `loadBatch`; returns the loss. */
  trainStepStaged(n: number, optimizer: FusedOptimizer): number {
    this.checkOptimizer(optimizer);
    this.forwardCount++;
    return this.engine.core.trainStep(this.descriptor, optimizer.descriptor, n);
  }

  /**
   * Refuses, before anything runs, a fused step with a disposed model or optimizer, or an optimizer in another
   * engine or holding parameters that are not this model's.
   */
  private checkOptimizer(optimizer: FusedOptimizer): void {
    this.assertLive('trainStep');
    if (optimizer.engine !== this.engine) {
      throw new ValidationError(
        `${this.constructor.name}.trainStep`,
        'optimizer',
        "an optimizer in the model's engine",
        'an optimizer in another engine',
        'trainStep: the optimizer lives in another engine',
      );
    }
    this.ownParams ??= new Set(this.parameters());
    optimizer.checkFused?.(this.constructor.name, this.ownParams);
  }

  /** PyTorch's repr: the class name and the numbered layers. */
  toString(): string {
    return `${this.constructor.name}(\n${this.modules.map((m, i) => `  (${i}): ${m}`).join('\n')}\n)`;
  }

  /**
   * Returns the model's memory to the engine now; any later use throws `MLP was disposed: build a new model`. A
   * second call does nothing. A model never disposed is freed once garbage-collected (FinalizationRegistry).
   */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    for (const p of this.parameters()) p.dispose();
    if (this.held) releaseBlocks(this, this.held);
    this.activationBlock = 0;
    this.staged = null;
    this.resident = null;
  }
}

/**
 * MSE, MAE (over every output of every sample, in f32 as PyTorch's mean of f32 gives them, summed in f64) and
 * R² (per output, averaged: scikit-learn's r2_score; an output whose targets are constant counts as 1 when
 * fitted exactly, else 0) of row-major outputs against targets.
 */
function regressionMetrics(
  out: Float32Array,
  target: Float32Array,
  n: number,
  k: number,
): { mse: number; mae: number; r2: number; outputs: Matrix } {
  let se = 0;
  let ae = 0;
  let r2 = 0;
  for (let c = 0; c < k; c++) {
    let mean = 0;
    for (let s = 0; s < n; s++) mean += target[s * k + c];
    mean /= n;
    let res = 0;
    let tot = 0;
    for (let s = 0; s < n; s++) {
      const d = Math.fround(out[s * k + c] - target[s * k + c]);
      se += Math.fround(d * d);
      ae += Math.abs(d);
      res += d * d;
      tot += (target[s * k + c] - mean) ** 2;
    }
    r2 += tot > 0 ? 1 - res / tot : res === 0 ? 1 : 0;
  }
  return {
    mse: Math.fround(se / (n * k)),
    mae: Math.fround(ae / (n * k)),
    r2: r2 / k,
    outputs: { rows: n, cols: k, data: out },
  };
}

/**
 * BCEWithLogitsLoss's probabilities: `sigmoid(logit)` per output; a single output as the two columns
 * `[1 − p, p]` (classes 0 and 1).
 */
function sigmoidProba(logits: Matrix): Matrix {
  const { rows, cols } = logits;
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  if (cols === 1) {
    const data = new Float32Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      const p = sigmoid(logits.data[r]);
      data[2 * r] = 1 - p;
      data[2 * r + 1] = p;
    }
    return { rows, cols: 2, data };
  }
  return { rows, cols, data: logits.data.map(sigmoid) };
}
