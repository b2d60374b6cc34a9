// The TensorFlow.js baseline (tfjs-core 4.22 with the cpu and wasm backends, devDependencies): the same MLP,
// softmax cross-entropy (mean) and Adam through tf.train.adam / optimizer.minimize. Loaded with dynamic
// imports so a checkout without the devDependencies skips TF.js instead of failing.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import type { PlainLayerInit } from './plain_js.ts';

export type Tf = typeof TfCore;
export type TfBackendName = 'cpu' | 'wasm';

export interface TfSession {
  tf: Tf;
  backend: TfBackendName;
  /** Human-readable name for tables, e.g. "TF.js 4.22.0 wasm". */
  label: string;
  version: string;
  /** Threads the wasm backend runs with (null for the cpu backend). */
  threads: number | null;
  /** Makes this session's backend the active one (TF.js has one global backend). */
  activate(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** Loads tfjs-core and initialises one backend; throws with the reason when it cannot. */
export async function openTf(backend: TfBackendName): Promise<TfSession> {
  const tf = (await import('@tensorflow/tfjs-core')) as Tf;
  registerGradients();
  tf.enableProdMode(); // as a production app would run it (also silences the "install tfjs-node" banner)
  let threads: number | null = null;
  if (backend === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
  } else {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The .wasm binaries ship inside the npm package; point the loader at them as a file path.
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(join(dist, '/'));
    await setBackendOrThrow(tf, 'wasm');
    threads = wasm.getThreadsCount();
  }
  const activate = () => setBackendOrThrow(tf, backend);
  await activate();
  return { tf, backend, label: `TF.js ${tf.version_core} ${backend}`, version: tf.version_core, threads, activate };
}

/**
 * tfjs-core's Node bundle registers no gradients (the @tensorflow/tfjs union package does that), so training
 * fails with "gradient function not found". Its register_all_gradients.js is ES-module syntax with
 * extension-less imports, which Node's ESM loader refuses; loaded through require, tsx compiles it. The
 * gradient registry is a global shared by every copy of tfjs-core, so the registrations reach the bundle.
 */
let gradientsRegistered = false;
function registerGradients(): void {
  if (gradientsRegistered) return;
  require('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  gradientsRegistered = true;
}

async function setBackendOrThrow(tf: Tf, name: string): Promise<void> {
  if (tf.getBackend() === name) return;
  // tf.setBackend reports an initialisation failure through console.warn and returns false: keep the message.
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } finally {
    console.warn = warn;
  }
  if (!ok) throw new Error(`tf.setBackend('${name}') failed${warnings.length ? `: ${warnings.join('; ')}` : ''}`);
}

/** The MLP (tanh between Linear layers) as TF.js variables, trained by tf.train.adam with PyTorch's eps. */
export class TfMlp {
  private readonly weights: TfCore.Variable[];
  private readonly biases: TfCore.Variable[];
  private readonly optimizer: TfCore.AdamOptimizer;

  constructor(
    private readonly session: TfSession,
    sizes: readonly number[],
    init: readonly PlainLayerInit[],
    lr: number,
  ) {
    const { tf } = session;
    // Kernels in TF's own layout, [in, out] as tf.layers.dense keeps them, so the forward pass is x·W without
    // a transpose (the wasm backend is markedly slower with transposed operands).
    // tf.tidy keeps the variables and releases the tensors they were made from.
    this.weights = tf.tidy(() =>
      init.map((layer, l) =>
        tf.variable(tf.transpose(tf.tensor2d(Float32Array.from(layer.weight), [sizes[l + 1], sizes[l]]))),
      ),
    );
    this.biases = tf.tidy(() => init.map((layer) => tf.variable(tf.tensor1d(Float32Array.from(layer.bias)))));
    this.optimizer = tf.train.adam(lr, 0.9, 0.999, 1e-8); // TF.js defaults to eps 1e-7; PyTorch uses 1e-8
  }

  set lr(value: number) {
    // AdamOptimizer reads its learningRate field on every applyGradients call.
    (this.optimizer as unknown as { learningRate: number }).learningRate = value;
  }

  private loss(x: TfCore.Tensor2D, oneHot: TfCore.Tensor2D): TfCore.Scalar {
    const { tf } = this.session;
    let h: TfCore.Tensor2D = x;
    const L = this.weights.length;
    for (let l = 0; l < L; l++) {
      h = tf.add(tf.matMul(h, this.weights[l]), this.biases[l]);
      if (l + 1 < L) h = tf.tanh(h);
    }
    return tf.losses.softmaxCrossEntropy(oneHot, h) as TfCore.Scalar; // mean over the batch
  }

  /** One step: gradients of the mean loss, the Adam update; returns the loss (read back every step). */
  step(x: TfCore.Tensor2D, oneHot: TfCore.Tensor2D): number {
    const cost = this.optimizer.minimize(() => this.loss(x, oneHot), true, [...this.weights, ...this.biases]);
    const value = cost!.dataSync()[0];
    cost!.dispose();
    return value;
  }

  dispose(): void {
    this.optimizer.dispose();
    for (const v of [...this.weights, ...this.biases]) v.dispose();
  }
}

/** Batch tensors for a TfMlp: features n×d and one-hot labels. */
export function tfBatch(
  session: TfSession,
  x: Float32Array,
  y: Int32Array,
  n: number,
  features: number,
  classes: number,
) {
  const { tf } = session;
  const xs = tf.tensor2d(x.subarray(0, n * features), [n, features]);
  const oneHot = tf.tidy(
    () => tf.cast(tf.oneHot(tf.tensor1d(y.subarray(0, n), 'int32'), classes), 'float32') as TfCore.Tensor2D,
  );
  return { xs, oneHot, dispose: () => tf.dispose([xs, oneHot]) };
}
