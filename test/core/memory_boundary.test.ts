import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Adam, DeviceData, Engine, getEngine, LogicNet, MLP, SGD, toMatrix } from '../../src/index.ts';
import { GroupBlock, ModelDescriptor, OptimizerDescriptor, StepRecord } from '../../src/engine/descriptors.ts';
import { f32Index, f64Index, i32Index } from '../../src/engine/engine.ts';
import training from '../fixtures/training.json' with { type: 'json' };

const lesson = training.cases.find((c) => c.name === 'seed_manual_decay')!;

const GiB = 2 ** 30;

describe('the memory boundary: only src/engine/ knows offsets, shifts and views', () => {
  const sources = ['nn', 'optim'].flatMap((dir) =>
    readdirSync(new URL(`../../src/${dir}/`, import.meta.url))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => ({
        file: `src/${dir}/${f}`,
        text: readFileSync(new URL(`../../src/${dir}/${f}`, import.meta.url), 'utf8'),
      })),
  );

  it('src/nn and src/optim neither shift byte offsets nor touch the engine views', () => {
    const hits = sources.flatMap(({ file, text }) =>
      text
        .split('\n')
        .map((line, i) => ({ where: `${file}:${i + 1}`, line }))
        .filter(({ line }) => /(>>>?\s*[23]\b)|\.(f32|i32|f64)\b[^(]|memory\.buffer/.test(line))
        .map(({ where, line }) => `${where}: ${line.trim()}`),
    );
    expect(hits).toEqual([]);
  });

  it('they import only kind codes from the layout, no word offsets', () => {
    const names = sources.flatMap(({ text }) =>
      [...text.matchAll(/import\s*{([^}]*)}\s*from\s*'\.\.\/engine\/layout\.ts'/g)].flatMap((m) =>
        m[1]
          .split(',')
          .map((s) => s.replace(/\btype\b/, '').trim())
          .filter(Boolean),
      ),
    );
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !/^(KIND|OPT)_/.test(n))).toEqual([]);
  });
});

describe('engine memory access', () => {
  it('byte offsets convert to indices unsigned, so offsets above 2 GiB stay positive', () => {
    expect(f32Index(2 * GiB + 8)).toBe(GiB / 2 + 2);
    expect(i32Index(4 * GiB - 4)).toBe(GiB - 1);
    expect(f64Index(3 * GiB)).toBe((3 * GiB) / 8);
    expect(f64Index(4 * GiB - 8)).toBe(GiB / 2 - 1);
  });

  it('reads, writes and fills f32 and i32 values at byte offsets', () => {
    const engine = getEngine();
    const p = engine.alloc(32);
    engine.writeF32(p, [1.5, -2, 0.1]);
    expect(Array.from(engine.readF32(p, 3))).toEqual([1.5, -2, Math.fround(0.1)]);
    const view = engine.viewF32(p, 3);
    view[1] = 7;
    expect(engine.readF32(p + 4, 1)[0]).toBe(7);
    engine.fillF32(p, 2, 3);
    expect(Array.from(engine.readF32(p, 3))).toEqual([3, 3, Math.fround(0.1)]);
    engine.writeI32(p + 16, [4, -5]);
    expect(Array.from(engine.readI32(p + 16, 2))).toEqual([4, -5]);
    engine.fillI32(p + 16, 2);
    expect(Array.from(engine.readI32(p + 16, 2))).toEqual([0, 0]);
    engine.free(p);
  });

  it('keeps one scratch block, reused until a larger one is asked for', () => {
    const engine = Engine.fromBytes(readFileSync(new URL('../../build/anneal.wasm', import.meta.url)));
    const a = engine.scratch(64);
    expect(engine.scratch(16)).toBe(a);
    const inUse = engine.bytesInUse;
    engine.scratch(4096);
    expect(engine.bytesInUse).toBe(inUse - 64 + 4096);
  });

  it('a pointer word above 2 GiB reads back unsigned', () => {
    const engine = getEngine();
    const ptr = engine.alloc(ModelDescriptor.bytes(1));
    const model = new ModelDescriptor(engine, ptr, 1);
    model.setBatch(4, 2 * GiB + 16, 4 * GiB - 16);
    expect(model.labels).toBe(2 * GiB + 16);
    expect(model.predictions).toBe(4 * GiB - 16);
    expect(model.stride).toBe(4);
    engine.free(ptr);
  });
});

describe('descriptor records', () => {
  it('param-group blocks and step records hold what the optimizer reads and writes', () => {
    const net = new MLP({ sizes: [2, 3, 2], seed: 0 });
    const opt = new SGD(net.parameters(), { lr: 0.1, momentum: 0.5 });
    const group = opt.paramGroups[0];
    const block = new GroupBlock(net.engine, group.block);
    group.lr = 0.25;
    expect(block.get('lr')).toBe(0.25);
    block.set('momentum', 0.75);
    expect(group.momentum).toBe(0.75);
    expect(block.get('beta1')).toBe(0.75); // SGD's momentum shares Adam's beta1 word
    group.nesterov = true;
    expect(block.get('nesterov')).toBe(1);
    net.trainStep(lesson.X, lesson.Y, opt);
    expect(opt.stepCount()).toBe(1);
    expect(opt.stateDict().state[0].momentumBuffer).not.toBeNull();
    expect(GroupBlock.BYTES).toBe(80);
    expect(StepRecord.BYTES).toBe(16);
    expect(OptimizerDescriptor.bytes(4)).toBe((4 + 4 * 8) * 4);
  });

  it('a step record round-trips the step count and the momentum-buffer flag', () => {
    const engine = getEngine();
    const record = new StepRecord(engine, engine.alloc(StepRecord.BYTES));
    expect([record.step, record.hasBuffer]).toEqual([0, false]);
    record.write(12, true);
    expect([record.step, record.hasBuffer]).toEqual([12, true]);
    engine.free(record.ptr);
  });
});

describe('one batch staging: the core gathers host batches too', () => {
  const make = () => {
    const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
    return { model, opt: new Adam(model.parameters(), { lr: 0.05 }) };
  };

  it('trainStep on JavaScript data and on resident data give the same bits', () => {
    const host = make();
    const resident = make();
    const data = new DeviceData(resident.model.engine, toMatrix(lesson.X, 2), Int32Array.from(lesson.Y));
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 25; i++) {
      a.push(host.model.trainStep(lesson.X, lesson.Y, host.opt));
      b.push(resident.model.trainStepStaged(resident.model.loadBatch(data, null), resident.opt));
    }
    expect(a).toEqual(b);
    expect(host.model.stateDict()).toEqual(resident.model.stateDict());
    data.dispose();
  });

  it('forward stages zero labels and the padded lanes are zero', () => {
    const { model } = make();
    model.getLoss(lesson.X, lesson.Y); // leaves labels behind
    const rows = [
      [0.5, -1],
      [2, 0.25],
      [-3, 1],
    ];
    const logits = model.forward(rows);
    const layout = new ModelDescriptor(model.engine, model.descriptor, model.modules.length);
    expect(Array.from(model.engine.readI32(layout.labels, 4))).toEqual([0, 0, 0, 0]);
    expect(logits.rows).toBe(3);
    expect(model.forward(rows.slice(0, 1)).data).toEqual(logits.data.slice(0, 2));
  });
});
