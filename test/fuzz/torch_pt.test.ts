// Random and hostile PyTorch checkpoints: mutated and truncated copies of a real torch.save zip, its data.pkl
// mutated and re-zipped, and random opcode streams. Each input either loads or is refused with a FileFormatError
// (never another exception), within a time bound. Seeds are fixed, so a failure names an input that fails again.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { unpickle } from '../../src/io/pickle.ts';
import { readTorchStateDict } from '../../src/io/torch_pt.ts';
import { FileFormatError } from '../../src/io/tensors.ts';
import { f32Bytes, OP, type PickleWriter, pk, torchZip, writeTensor } from '../io/pickle_asm.ts';
import { loadsOrRefuses } from './support.ts';

/** Per input: a reader that takes longer has met something quadratic or worse. */
const RUNS = 300;

/** What every refusal here must be: a FileFormatError naming the file. */
const PT = { type: FileFormatError, prefix: 'fuzz.pt: ' };
const MLP = new Uint8Array(readFileSync(new URL('../fixtures/interop/mlp.pt', import.meta.url)));
const MLP_RECORDS = unzipSync(MLP);
const MLP_PICKLE = MLP_RECORDS['mlp/data.pkl'];

/** Byte edits: set, insert or delete at a position (taken modulo the length), then maybe truncate. */
const edits = fc.record({
  changes: fc.array(
    fc.tuple(fc.constantFrom('set', 'insert', 'delete'), fc.nat(), fc.oneof(fc.nat({ max: 255 }), fc.constant(0xff))),
    { minLength: 1, maxLength: 8 },
  ),
  cut: fc.option(fc.nat(), { nil: undefined }),
});

function mutate(base: Uint8Array, e: { changes: [string, number, number][]; cut: number | undefined }): Uint8Array {
  const bytes = Array.from(base);
  for (const [kind, position, value] of e.changes) {
    const at = position % (bytes.length + 1);
    if (kind === 'set' && at < bytes.length) bytes[at] = value;
    else if (kind === 'insert') bytes.splice(at, 0, value);
    else if (kind === 'delete') bytes.splice(at, 1);
  }
  return Uint8Array.from(e.cut === undefined ? bytes : bytes.slice(0, e.cut % (bytes.length + 1)));
}

/** The mlp archive's records with data.pkl replaced, zipped as torch.save would. */
function rezip(pickle: Uint8Array): Uint8Array {
  const records: Record<string, Uint8Array> = {};
  for (const [name, data] of Object.entries(MLP_RECORDS)) records[name.slice('mlp/'.length)] = data;
  records['data.pkl'] = pickle;
  return torchZip(records, 'mlp');
}

/** The storages random pickles may name (key, type, numel), matching STORAGES below, and some that do not. */
const STORAGE_IDS: [string, string, number][] = [
  ['0', 'FloatStorage', 16],
  ['0', 'HalfStorage', 32],
  ['1', 'DoubleStorage', 3],
  ['1', 'BFloat16Storage', 12],
  ['2', 'FloatStorage', 3],
  ['3', 'HalfStorage', 30],
  ['3', 'IntStorage', 15],
  ['9', 'FloatStorage', 1],
];

/** One step of a random pickle: mostly well-formed opcodes with arguments, some raw bytes. */
const token: fc.Arbitrary<(w: PickleWriter) => void> = fc.oneof(
  fc.constantFrom(
    ...(
      [
        'MARK',
        'STOP',
        'POP',
        'POP_MARK',
        'DUP',
        'NONE',
        'NEWTRUE',
        'NEWFALSE',
        'EMPTY_TUPLE',
        'EMPTY_LIST',
        'EMPTY_DICT',
        'TUPLE',
        'TUPLE1',
        'TUPLE2',
        'TUPLE3',
        'LIST',
        'DICT',
        'APPEND',
        'APPENDS',
        'SETITEM',
        'SETITEMS',
        'REDUCE',
        'BUILD',
        'NEWOBJ',
        'BINPERSID',
        'STACK_GLOBAL',
        'MEMOIZE',
      ] as const
    ).map((name) => (w: PickleWriter) => void w.op(name)),
  ),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((n) => (w: PickleWriter) => void w.int(n)),
  fc.string({ maxLength: 12 }).map((s) => (w: PickleWriter) => void w.str(s)),
  fc
    .constantFrom('storage', 'cpu', '0', '1', '2', '3', 'torch', 'FloatStorage', 'collections', 'OrderedDict', 'os')
    .map((s) => (w: PickleWriter) => void w.shortStr(s)),
  fc.double().map((x) => (w: PickleWriter) => void w.float(x)),
  fc.nat({ max: 6 }).map((i) => (w: PickleWriter) => void w.put(i)),
  fc.nat({ max: 6 }).map((i) => (w: PickleWriter) => void w.get(i)),
  fc
    .constantFrom(
      ['collections', 'OrderedDict'],
      ['torch._utils', '_rebuild_tensor_v2'],
      ['torch._utils', '_rebuild_parameter'],
      ['torch', 'FloatStorage'],
      ['torch', 'HalfStorage'],
      ['torch', 'LongStorage'],
      ['torch', 'Size'],
      ['torch', 'float32'],
      ['os', 'system'],
      ['builtins', 'eval'],
    )
    .map(
      ([m, n]) =>
        (w: PickleWriter) =>
          void w.global(m, n),
    ),
  fc
    .record({
      storage: fc.constantFrom(...STORAGE_IDS),
      numelDelta: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.integer({ min: -3, max: 3 })),
      offset: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.nat({ max: 20 })),
      size: fc.array(fc.nat({ max: 5 }), { maxLength: 3 }),
      stride: fc.option(fc.array(fc.nat({ max: 9 }), { maxLength: 3 }), { nil: undefined, freq: 3 }),
    })
    .map(({ storage: [storageKey, storageType, numel], numelDelta, offset, size, stride }) => (w: PickleWriter) => {
      writeTensor(w, {
        key: '',
        storageKey,
        storageType,
        numel: Math.max(0, numel + numelDelta),
        offset,
        size,
        stride,
      });
    }),
  fc.tuple(fc.nat({ max: 255 }), fc.uint8Array({ maxLength: 12 })).map(
    ([code, args]) =>
      (w: PickleWriter) =>
        void w.raw(code, ...args),
  ),
  fc.constant((w: PickleWriter) => void w.op('BINUNICODE8', ...w.u64(2n ** 50n))),
  fc.constant((w: PickleWriter) => void w.op('FRAME', ...w.u64(5n))),
);

/** A random pickle: PROTO, maybe an OrderedDict and MARK (a state dict's opening), tokens, maybe SETITEMS STOP. */
const randomPickle = fc
  .tuple(fc.constantFrom(2, 4, 5), fc.boolean(), fc.array(token, { maxLength: 40 }), fc.boolean())
  .map(([proto, open, tokens, close]) => {
    const w = pk().proto(proto);
    if (open) w.orderedDict().op('MARK');
    for (const write of tokens) write(w);
    if (close) w.op('SETITEMS').raw(OP.STOP);
    return w.bytes();
  });

/** The storages random pickles may name: data/0..3, of several sizes. */
const STORAGES: Record<string, Uint8Array> = {
  'data/0': f32Bytes(Array.from({ length: 16 }, (_, i) => i / 3)),
  'data/1': new Uint8Array(24),
  'data/2': f32Bytes([1, 2, 3]),
  'data/3': new Uint8Array(60),
};

describe('fuzz: PyTorch checkpoints load or are refused with a FileFormatError', () => {
  it('every truncation of mlp.pt', () => {
    for (let n = 0; n < MLP.length; n++) loadsOrRefuses(() => readTorchStateDict(MLP.subarray(0, n), 'fuzz.pt'), PT);
  });

  it('byte edits of mlp.pt', () => {
    let refused = 0;
    fc.assert(
      fc.property(edits, (e) => {
        if (loadsOrRefuses(() => readTorchStateDict(mutate(MLP, e), 'fuzz.pt'), PT)) refused++;
      }),
      { numRuns: RUNS * 2, seed: 21 },
    );
    expect(refused).toBeGreaterThan(0);
  });

  it('byte edits of its data.pkl, re-zipped', () => {
    fc.assert(
      fc.property(edits, (e) => {
        const pickle = mutate(MLP_PICKLE, e);
        loadsOrRefuses(() => readTorchStateDict(rezip(pickle), 'fuzz.pt'), PT);
        loadsOrRefuses(() => unpickle(pickle, 'fuzz.pt'), PT);
      }),
      { numRuns: RUNS * 2, seed: 22 },
    );
  });

  it('random opcode streams, alone and as the data.pkl of an archive with storages', () => {
    let loaded = 0;
    fc.assert(
      fc.property(randomPickle, fc.constantFrom(undefined, 'little', 'big'), (pickle, order) => {
        loadsOrRefuses(() => unpickle(pickle, 'fuzz.pt'), PT);
        const records = { ...STORAGES, 'data.pkl': pickle, ...(order ? { byteorder: Buffer.from(order) } : {}) };
        if (!loadsOrRefuses(() => readTorchStateDict(torchZip(records), 'fuzz.pt'), PT)) loaded++;
      }),
      { numRuns: RUNS * 3, seed: 23 },
    );
    expect(loaded).toBeGreaterThan(0);
  });

  it('random bytes, and random bytes zipped as data.pkl', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        loadsOrRefuses(() => readTorchStateDict(bytes, 'fuzz.pt'), PT);
        loadsOrRefuses(() => unpickle(bytes, 'fuzz.pt'), PT);
        loadsOrRefuses(() => readTorchStateDict(torchZip({ 'data.pkl': bytes, ...STORAGES }), 'fuzz.pt'), PT);
      }),
      { numRuns: RUNS, seed: 24 },
    );
  });
});
