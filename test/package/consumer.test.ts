// anneal as a stranger installs it: `npm pack`, the tarball installed into a fresh project that has neither
// tsx nor anneal's TypeScript sources, and there the lesson (LogicNet, Adam lr 0.01, StepLR(50, 0.99), 1000
// steps on 20 moons points) run as every kind of consumer runs it — Node ESM, CommonJS, `tsc --strict` under
// "nodenext", "bundler" and `tsc --init`'s settings, a Vite app and a plain page with an import map in
// Debian's Chromium and Firefox ESR, and `npx anneal train`. Each gives the final whole-dataset loss, which
// must be PyTorch's (fixture run seed_steplr) and the same bits everywhere.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import training from '../fixtures/training.json' with { type: 'json' };
import interop from '../fixtures/interop/expected.json' with { type: 'json' };
import { serveStatic, type StaticServer } from '../browser/static_server.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const vite = join(repo, 'node_modules', 'vite', 'bin', 'vite.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const pytorchFinalLoss = training.cases.find((c) => c.name === 'seed_steplr')!.final_loss;

const NAMES = ['Adam', 'LogicNet', 'StepLR', 'makeMoons'];

/** The README's "Use anneal in your project" example (its first ```js block), run as printed. */
const README_ESM = /```js\n([\s\S]*?)```/.exec(readFileSync(join(repo, 'README.md'), 'utf8'))![1];

/** The lesson with StepLR, as the README writes it; valid JavaScript and TypeScript alike. */
const LESSON = `
const data = makeMoons({ nSamples: 20, noise: 0.2, seed: 0 });
const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
const optimizer = new Adam(model.parameters(), { lr: 0.01 });
const scheduler = new StepLR(optimizer, { stepSize: 50, gamma: 0.99 });
for (let i = 0; i < 1000; i++) {
  const loss = model.getLoss(data, data.y);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  scheduler.step();
}
const result = JSON.stringify({ finalLoss: model.getLoss(data, data.y).item(), lr: scheduler.getLastLr()[0] });
`;
const esmLesson = `import { ${NAMES.join(', ')} } from 'anneal';\n${LESSON}`;

/** Type-level use of every entry point: wrong types in anneal's declarations fail tsc here. */
const TYPED_CONSUMER = `${esmLesson}
import { getEngine, ready, type Engine, type Dataset } from 'anneal';
import { lrChartOption, renderSvg } from 'anneal/plot';
import { loadCsv } from 'anneal/node';
const engine: Engine = getEngine();
const lrs: number[] = scheduler.getLastLr();
const prediction: ArrayLike<number> = model.predict(data);
const pending: Promise<Engine> = ready();
const svg: (typeof renderSvg) | undefined = undefined;
const option = lrChartOption({ lr: [[0.01], [0.0099]] });
const csv: Promise<Dataset> = loadCsv('data.csv');
console.log(result, engine.memoryBytes, lrs, prediction, pending, svg, option, csv);
`;

/** The types a CommonJS TypeScript file sees through the package's "require" condition. */
const TYPED_REQUIRE_CONSUMER = `import anneal = require('anneal');
import plot = require('anneal/plot');
const model: anneal.LogicNet = new anneal.LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
const optimizer: anneal.Adam = new anneal.Adam(model.parameters(), { lr: 0.01 });
const scheduler: anneal.StepLR = new anneal.StepLR(optimizer, { stepSize: 50, gamma: 0.99 });
const svg: string = plot.renderSvg(plot.lrChartOption({ lr: [scheduler.getLastLr()] }));
export = svg;
`;

const APP_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>anneal in a Vite app</title></head>
<body><pre id="result">training…</pre><script type="module" src="/src/main.ts"></script></body></html>
`;
const SHOW_RESULT = `document.getElementById('result')!.textContent = result;\ndocument.title = 'done';\n`;
const APP_MAIN = `${esmLesson}${SHOW_RESULT}`;

/** The README's import map for a plain page: the installed package and its browser dependencies. */
const README_IMPORT_MAP = /<script type="importmap">[\s\S]*?<\/script>/.exec(
  readFileSync(join(repo, 'README.md'), 'utf8'),
)![0];

/** The README's plain page: no bundler, the README's import map. */
const PLAIN_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>anneal in a plain page</title>
${README_IMPORT_MAP}
</head>
<body><pre id="result">training…</pre>
<script type="module">
${esmLesson}${SHOW_RESULT.replace('!', '')}</script></body></html>
`;

/** Counts every way to compile or instantiate WebAssembly, then imports each entry point, then builds a model. */
const importProbe = (load: (entry: string) => string) => `
const calls = [];
for (const name of ['Module', 'Instance']) {
  WebAssembly[name] = new Proxy(WebAssembly[name], {
    construct(target, args) { calls.push(name); return Reflect.construct(target, args); },
  });
}
for (const name of ['compile', 'instantiate', 'compileStreaming', 'instantiateStreaming']) {
  const original = WebAssembly[name];
  WebAssembly[name] = (...args) => { calls.push(name); return original(...args); };
}
${load('anneal')}; ${load('anneal/plot')}; ${load('anneal/node')};
const atImport = [...calls];
const { LogicNet, getEngine } = ${load('anneal')};
const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
const afterModel = [...calls];
new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 1 });
console.log(JSON.stringify({ atImport, afterModel, afterTwo: calls, bytesInUse: getEngine().bytesInUse > 0 }));
`;

/**
 * PyTorch's weights in, through the packed package: loadModelFile of the fixture's mlp.pt (anneal/node), its
 * logits for the fixture's rows, the model saved as safetensors and exported to ONNX (anneal), written to files.
 */
const interopProbe = (load: (entry: string) => string) => `
const { loadModelFile, saveModelFile } = ${load('anneal/node')};
const { toOnnx } = ${load('anneal')};
const { writeFileSync, readFileSync } = ${load('node:fs')};
const X = JSON.parse(readFileSync('expected.json', 'utf8')).models.mlp.X;
const model = loadModelFile('mlp.pt');
saveModelFile(model, process.argv[2] + '.safetensors');
toOnnx(model).then((bytes) => writeFileSync(process.argv[2] + '.onnx', bytes));
const rows = model.forward(X).data;
console.log(JSON.stringify({ keys: model.namedParameters().map(([k]) => k), logits: Array.from(rows) }));
`;

interface LessonResult {
  finalLoss: number;
  lr: number;
}

let project = '';
let setupError: Error | null = null;

function run(command: string, args: string[], cwd: string, timeout = 240_000): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  if (result.status !== 0) {
    throw new Error(
      `\`${[command, ...args].join(' ')}\` in ${cwd} failed (${result.status ?? result.signal}):` +
        `\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

function writeProject(dir: string): void {
  const write = (name: string, text: string) => {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  };
  write('package.json', `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`);
  write('lesson.mjs', `${esmLesson}console.log(result);\n`);
  write('readme-lesson.mjs', README_ESM);
  write(
    'readme-lesson.cjs',
    README_ESM.replace(/^import (\{[^}]*\}) from 'anneal';$/m, "const $1 = require('anneal');"),
  );
  write('lesson.cjs', `const { ${NAMES.join(', ')} } = require('anneal');\n${LESSON}console.log(result);\n`);
  write('consumer.ts', TYPED_CONSUMER);
  write(
    'imports.mjs',
    importProbe((entry) => `await import('${entry}')`),
  );
  write(
    'imports.cjs',
    importProbe((entry) => `require('${entry}')`),
  );
  write('consumer-cjs.cts', TYPED_REQUIRE_CONSUMER);
  write(
    'interop.mjs',
    interopProbe((entry) => `await import('${entry}')`),
  );
  write(
    'interop.cjs',
    interopProbe((entry) => `require('${entry}')`),
  );
  for (const file of ['mlp.pt', 'expected.json'])
    writeFileSync(join(dir, file), readFileSync(join(repo, 'test/fixtures/interop', file)));
  const strict = {
    strict: true,
    noEmit: true,
    target: 'ES2022',
    lib: ['ES2022', 'DOM'],
    types: [],
    skipLibCheck: false,
  };
  write(
    'tsconfig.nodenext.json',
    JSON.stringify({
      compilerOptions: { ...strict, module: 'nodenext', moduleResolution: 'nodenext' },
      files: ['consumer.ts', 'consumer-cjs.cts'],
    }),
  );
  write(
    'tsconfig.bundler.json',
    JSON.stringify({
      compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler' },
      files: ['consumer.ts'],
    }),
  );
  // What `tsc --init` writes (TypeScript 5.9). Its skipLibCheck stays: under exactOptionalPropertyTypes
  // ECharts' own declarations do not check (the two configurations above check anneal's with skipLibCheck off).
  const init = {
    module: 'nodenext',
    target: 'esnext',
    types: [],
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    strict: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    noUncheckedSideEffectImports: true,
    moduleDetection: 'force',
    skipLibCheck: true,
    noEmit: true,
    lib: ['ESNext', 'DOM'],
  };
  write('tsconfig.init.json', JSON.stringify({ compilerOptions: init, files: ['consumer.ts', 'consumer-cjs.cts'] }));
  write('index.html', APP_HTML);
  write('plain.html', PLAIN_HTML);
  write('src/main.ts', APP_MAIN);
  write(
    'tsconfig.json',
    JSON.stringify({
      compilerOptions: {
        ...strict,
        module: 'esnext',
        moduleResolution: 'bundler',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      },
      include: ['src'],
    }),
  );
}

beforeAll(() => {
  try {
    project = mkdtempSync(join(tmpdir(), 'anneal-consumer-'));
    run(process.execPath, [join(repo, 'scripts', 'build.mjs'), '--if-stale'], repo); // npm test's pretest has built it
    run('npm', ['pack', '--ignore-scripts', '--pack-destination', project], repo);
    const tarball = readdirSync(project).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack wrote no tarball into ${project}`);
    writeProject(project);
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `./${tarball}`], project);
  } catch (err) {
    setupError = err as Error;
  }
}, 600_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

function installed(): string {
  if (setupError) throw setupError;
  return project;
}

function expectPyTorchLoss(result: LessonResult): void {
  expect(Math.abs(result.finalLoss - pytorchFinalLoss) / pytorchFinalLoss).toBeLessThanOrEqual(1e-5);
  // StepLR(50, 0.99) after 1000 steps: 20 decays, each a multiplication of the last lr (PyTorch's chainable form).
  let lr = 0.01;
  for (let decay = 0; decay < 20; decay++) lr *= 0.99;
  expect(result.lr).toBe(lr);
}

let nodeResult: LessonResult;

describe('the packed tarball, installed into a fresh project', () => {
  it('ships compiled JavaScript, types and the core, and none of the sources, tests or tsx', () => {
    const dir = installed();
    const pkg = join(dir, 'node_modules', 'anneal');
    for (const file of [
      'dist/esm/index.js',
      'dist/esm/index.d.ts',
      'dist/esm/index.d.ts.map',
      'dist/cjs/index.js',
      'dist/cjs/index.d.ts',
      'dist/cli/bin.js',
      'dist/anneal.wasm',
      'LICENSE',
      'README.md',
    ]) {
      expect(existsSync(join(pkg, file)), file).toBe(true);
    }
    for (const absent of ['src', 'test', 'assembly', 'bench', 'scripts', 'web'])
      expect(existsSync(join(pkg, absent)), absent).toBe(false);
    expect(existsSync(join(dir, 'node_modules', 'tsx'))).toBe(false);
  });

  it("node lesson.mjs (ES module) trains the lesson to PyTorch's final loss", () => {
    nodeResult = JSON.parse(run(process.execPath, ['lesson.mjs'], installed()).stdout) as LessonResult;
    expectPyTorchLoss(nodeResult);
  });

  it('node lesson.cjs (require) gives the same bits', () => {
    const cjs = JSON.parse(run(process.execPath, ['lesson.cjs'], installed()).stdout) as LessonResult;
    expectPyTorchLoss(cjs);
    expect(cjs).toEqual(nodeResult);
  });

  for (const file of ['readme-lesson.mjs', 'readme-lesson.cjs']) {
    it(`the README's example runs as printed (${file}) and prints the same final loss`, () => {
      expect(README_ESM).toContain("from 'anneal'");
      expect(Number(run(process.execPath, [file], installed()).stdout.trim())).toBe(nodeResult.finalLoss);
    });
  }

  it('the CLI reaches ECharts and resvg only through a dynamic import: they load only to draw', () => {
    const cli = join(installed(), 'node_modules', 'anneal', 'dist', 'cli');
    const staticImports = (file: string) =>
      [
        ...readFileSync(file, 'utf8').matchAll(
          /(?:^|[;}\s])(?:import|export)\s*(?:[\w*{}\s,$]*from\s*)?["']([^"']+)["']/g,
        ),
      ].map((m) => m[1]);
    const seen = new Set<string>();
    const external = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of staticImports(file))
        spec.startsWith('.') ? visit(join(dirname(file), spec)) : external.add(spec);
    };
    // What every command loads: bin.js, and main (which bin.js imports for anything but --version).
    visit(join(cli, 'bin.js'));
    const main = readdirSync(join(cli, 'chunks')).filter((f) => f.startsWith('main-'));
    expect(main).toHaveLength(1);
    visit(join(cli, 'chunks', main[0]));
    expect(seen.size).toBeGreaterThan(2);
    expect([...external].filter((spec) => !spec.startsWith('node:'))).toEqual([]);
    const all = readdirSync(join(cli, 'chunks'))
      .map((f) => readFileSync(join(cli, 'chunks', f), 'utf8'))
      .join('\n');
    expect(all).toMatch(/from\s*"echarts"/); // the renderer chunk, reached by import() alone
  });

  for (const probe of ['imports.mjs', 'imports.cjs']) {
    it(
      'importing every entry point compiles and instantiates nothing; ' +
        `the first model compiles the core once (${probe})`,
      () => {
        const calls = JSON.parse(run(process.execPath, [probe], installed()).stdout) as Record<string, unknown>;
        expect(calls).toEqual({
          atImport: [],
          afterModel: ['Module', 'Instance'],
          afterTwo: ['Module', 'Instance'],
          bytesInUse: true,
        });
      },
    );
  }

  it("PyTorch's .pt in, safetensors and ONNX out, from ES modules and CommonJS alike (PyTorch's logits)", async () => {
    const { InferenceSession, Tensor } = await import('onnxruntime-node');
    const torch = interop.models.mlp;
    const outputs = ['interop.mjs', 'interop.cjs'].map((file) => {
      const printed = JSON.parse(run(process.execPath, [file, file], installed()).stdout) as {
        keys: string[];
        logits: number[];
      };
      expect(printed.keys).toEqual(torch.state_dict_keys);
      torch.logits.flat().forEach((want, i) => expect(Math.abs(printed.logits[i] - want)).toBeLessThanOrEqual(1e-5));
      return printed;
    });
    expect(outputs[1]).toEqual(outputs[0]);
    const saved = readFileSync(join(installed(), 'interop.mjs.safetensors'));
    expect(saved.equals(readFileSync(join(installed(), 'interop.cjs.safetensors')))).toBe(true);
    const session = await InferenceSession.create(readFileSync(join(installed(), 'interop.cjs.onnx')));
    try {
      const x = new Tensor('float32', Float32Array.from(torch.X.flat()), [torch.X.length, 2]);
      const logits = (await session.run({ input: x })).logits.data as Float32Array;
      torch.logits.flat().forEach((want, i) => expect(Math.abs(logits[i] - want)).toBeLessThanOrEqual(1e-5));
    } finally {
      await session.release();
    }
  });

  it('npx anneal train prints the same final loss', () => {
    const json = JSON.parse(run('npx', ['--no-install', 'anneal', 'train', '--json'], installed()).stdout) as {
      final_loss: number;
    };
    expect(json.final_loss).toBe(nodeResult.finalLoss);
  });

  for (const config of ['nodenext', 'bundler', 'init']) {
    it(`tsc type-checks a consumer of anneal, anneal/plot and anneal/node with the "${config}" settings`, () => {
      const result = spawnSync(process.execPath, [tsc, '-p', `tsconfig.${config}.json`], {
        cwd: installed(),
        encoding: 'utf8',
      });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    }, 120_000);
  }
});

describe('in the browsers: a Vite app (TypeScript) that imports anneal, and a plain page with an import map', () => {
  let app: StaticServer | undefined;
  let plain: StaticServer | undefined;

  beforeAll(async () => {
    if (setupError) return;
    try {
      run(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
      run(process.execPath, [vite, 'build', '--logLevel', 'warn'], project);
      app = await serveStatic(join(project, 'dist'));
      plain = await serveStatic(project);
    } catch (err) {
      setupError = err as Error;
    }
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    await plain?.close();
  });

  const browsers: [string, string, () => Promise<Browser>][] = [
    [
      'Chromium',
      CHROMIUM,
      () =>
        launch({
          browser: 'chrome',
          executablePath: CHROMIUM,
          headless: true,
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
        }),
    ],
    [
      'Firefox ESR',
      FIREFOX,
      () => launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, protocol: 'webDriverBiDi' }),
    ],
  ];
  for (const [name, executable, start] of browsers) {
    it(`the Vite app (tsc && vite build) and the plain page train the lesson in ${name} to Node's bits`, async () => {
      installed();
      if (!existsSync(executable))
        throw new Error(`${name} is not at ${executable}: install Debian's package (.ci/run does)`);
      const browser = await start();
      try {
        for (const url of [app!.url, `${plain!.url}/plain.html`]) {
          const page = await browser.newPage();
          const errors: string[] = [];
          page.on('pageerror', (err) => errors.push(String(err)));
          await page.goto(url, { waitUntil: 'load' });
          await page
            .waitForFunction(() => document.title === 'done', { timeout: 60_000 })
            .catch(() => {
              throw new Error(`${url} did not finish: ${errors.join('; ') || 'no page error'}`);
            });
          const result = JSON.parse(await page.$eval('#result', (el) => el.textContent ?? '')) as LessonResult;
          expectPyTorchLoss(result);
          expect(result).toEqual(nodeResult);
          expect(errors).toEqual([]);
          await page.close();
        }
      } finally {
        await browser.close();
      }
    }, 120_000);
  }
});
