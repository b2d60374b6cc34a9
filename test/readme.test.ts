import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import training from './fixtures/training.json' with { type: 'json' };

// The README's TypeScript is run as written (imports from 'anneal' included), so the docs cannot drift.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const dir = mkdtempSync(join(new URL('.', import.meta.url).pathname, '.readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runSnippet(code: string, exported: string[]): Promise<Record<string, unknown>> {
  const file = join(dir, `snippet-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, `${code}\nexport { ${exported.join(', ')} };\n`);
  return import(/* @vite-ignore */ file);
}

/** Import lines first, then the rest: joins snippets that each import what they use. */
function joinSnippets(...parts: string[]): string {
  const lines = parts.join('\n').split('\n');
  return [...lines.filter((l) => l.startsWith('import ')), ...lines.filter((l) => !l.startsWith('import '))].join('\n');
}

describe('README', () => {
  const [loop, withScheduler] = blocks;
  const setup = loop.slice(0, loop.indexOf('for (let i'));

  it("the lesson's loop, line for line, reproduces PyTorch's run with the hand-written decay", async () => {
    const lesson = training.cases.find((c) => c.name === 'seed_manual_decay')!;
    const { losses, lrList } = (await runSnippet(loop, ['losses', 'lrList'])) as { losses: number[]; lrList: number[] };
    expect(losses.length).toBe(1000);
    losses.forEach((l, i) => expect(Math.abs(l - lesson.loss[i]) / lesson.loss[i]).toBeLessThanOrEqual(1e-4));
    lrList.slice(0, 999).forEach((lr, i) => expect(lr).toBe(lesson.lr[i + 1][0]));
  });

  it("the same decay through StepLR gives PyTorch's lr sequence", async () => {
    const steplr = training.cases.find((c) => c.name === 'seed_steplr')!;
    const { lrList } = (await runSnippet(joinSnippets(setup, withScheduler), ['lrList'])) as { lrList: number[] };
    expect(lrList.length).toBe(1000);
    lrList.slice(0, 999).forEach((lr, i) => expect(lr).toBe(steplr.lr[i + 1][0]));
  });
});

describe('README: saving and loading a model', () => {
  it('the snippet runs as written: the copy and the reloaded file are the same MLP, bit for bit', async () => {
    const block = blocks.find((b) => b.includes('saveModelFile'))!;
    const path = join(dir, 'model.safetensors');
    const code = block.replaceAll("'model.safetensors'", JSON.stringify(path));
    const { net, copy, again } = (await runSnippet(code, ['net', 'copy', 'again'])) as Record<
      string,
      { stateDict(): unknown; architecture(): unknown }
    >;
    expect(copy.architecture()).toEqual({ class: 'MLP', sizes: [2, 8, 2], activation: 'relu' });
    expect(copy.stateDict()).toEqual(net.stateDict());
    expect(again.stateDict()).toEqual(net.stateDict());
    expect(readFileSync(path).length).toBeGreaterThan(0);
  });
});

describe('README: the lr finder', () => {
  it("runs as written: lrFind's numbers on the lesson's model, which it leaves as it was", async () => {
    const { Adam, LogicNet, lrFind, lrFindSeeds, makeMoons, suggestionSpread } = await import('../src/index.ts');
    const block = blocks.find((b) => b.includes('lrFind('))!;
    const setup = blocks[0].slice(0, blocks[0].indexOf('for (let i'));
    const got = (await runSnippet(joinSnippets(setup, block), ['found', 'spread', 'model'])) as {
      found: ReturnType<typeof lrFind>;
      spread: ReturnType<typeof suggestionSpread>;
      model: InstanceType<typeof LogicNet>;
    };
    const data = makeMoons({ nSamples: 20, noise: 0.2, seed: 0 });
    const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const found = lrFind({ model, optimizer, x: data, y: data.y });
    expect(got.found.lrs).toEqual(found.lrs);
    expect(got.found.smoothedLosses).toEqual(found.smoothedLosses);
    expect(got.found.suggestion).toBe(found.suggestions.valley?.lr);
    const seeds = lrFindSeeds({ model, optimizer, x: data, y: data.y, batchSize: 5, seeds: [0, 1, 2] });
    expect(got.spread).toEqual(suggestionSpread(seeds));
    // Both tests put the model back: its weights are the freshly built LogicNet's.
    expect(got.model.stateDict()).toEqual(
      new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 }).stateDict(),
    );
  });
});

describe('README: precision', () => {
  it('runs as written: the model is on the fast engine where relaxed SIMD runs, else on the default one', async () => {
    const { getEngine, hasRelaxedSimd } = await import('../src/index.ts');
    const block = blocks.find((b) => b.includes("precision: 'fast'"))!;
    const got = (await runSnippet(block, ['engine', 'model'])) as {
      engine: ReturnType<typeof getEngine>;
      model: { engine: unknown; layerWeights(): { weight: number[][] }[] };
    };
    expect(got.engine.precision).toBe(hasRelaxedSimd() ? 'fast' : 'deterministic');
    expect(got.model.engine).toBe(got.engine);
    expect(got.model.layerWeights().map((l) => [l.weight.length, l.weight[0].length])).toEqual([
      [256, 784],
      [10, 256],
    ]);
  });
});

describe('README: sweeps', () => {
  it('the spec is valid and makes the 16 trials the command line says', async () => {
    const { expandTrials, parseSweepSpec } = await import('../src/node.ts');
    const json = /### Sweeps[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)![1];
    const trials = expandTrials(parseSweepSpec(JSON.parse(json), 'README', 'lrs'));
    expect(trials.length).toBe(16);
    expect(new Set(trials.map((t) => t.config.scheduler?.type ?? null))).toEqual(new Set([null, 'CosineAnnealingLR']));
    for (const t of trials) expect(t.config.optimizer.kwargs?.lr).toBe(t.params['optimizer.kwargs.lr']);
  });
});
