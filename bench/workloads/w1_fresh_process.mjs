// W1's Trainer row (`anneal fused`) in a process of its own: `node bench/workloads/w1_fresh_process.mjs STEPS`
// runs the lesson for STEPS steps through `Trainer.run` from the built library (dist/esm), as `anneal train`
// runs it from its bundle. bench/workloads/w1_cli.ts times it beside the CLI: the floor of a fresh process.
import { Adam, LogicNet, makeMoons, StepLR, Trainer } from '../../dist/esm/index.js';

const steps = Number(process.argv[2] ?? 1000);
const data = makeMoons({ nSamples: 20, noise: 0.2, seed: 0 });
const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
const optimizer = new Adam(model.parameters(), { lr: 0.01 });
const scheduler = new StepLR(optimizer, { stepSize: 50, gamma: 0.99 });
const trainer = new Trainer({ model, optimizer, scheduler, x: data, y: data.y });
const history = trainer.run(steps);
process.stdout.write(`${history.loss[steps - 1]}\n`);
