// anneal: small neural networks trained in a WebAssembly core, with PyTorch's learning-rate schedulers.
import { loadEngine } from './engine/index.ts';

// The core is compiled once, when the package is first imported; models and optimizers then build synchronously.
await loadEngine();

export { Engine, loadEngine, getEngine } from './engine/index.ts';
export * from './nn/index.ts';
export * from './optim/index.ts';
