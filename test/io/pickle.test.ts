// The restricted unpickler: what a state dict needs is read, everything else (other globals, calls, opcodes,
// malformed input) is refused with a FileFormatError naming the file, the offset and the offending thing.

import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  MAX_MARK_DEPTH,
  PickleDict,
  PickleGlobal,
  PickleList,
  PickleStorage,
  PickleTensor,
  PickleTuple,
  type PickleValue,
  pickleKeyHash,
  pickleOpcodeName,
  unpickle,
} from '../../src/io/pickle.ts';
import { FileFormatError } from '../../src/io/tensors.ts';
import { ValidationError } from '../../src/params/error.ts';
import { type PickleWriter, pk, stateDictPickle, writeTensor } from './pickle_asm.ts';

const FILE = 'evil.pt';
const PART = 'archive/data.pkl';

/** Unpickles the writer's bytes as `evil.pt`. */
function load(w: PickleWriter | Uint8Array): PickleValue {
  return unpickle(w instanceof Uint8Array ? w : w.bytes(), FILE, PART);
}

/** The FileFormatError `fn` throws; fails if it throws anything else or nothing. */
function refusal(fn: () => unknown): FileFormatError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FileFormatError);
    expect(err).toBeInstanceOf(ValidationError);
    const e = err as FileFormatError;
    expect(e.message.startsWith(`${FILE}: ${PART}, offset `)).toBe(true);
    expect(e.where).toBe(FILE);
    return e;
  }
  throw new Error('expected a FileFormatError, but it loaded');
}

function refuses(w: PickleWriter | Uint8Array, ...parts: (string | RegExp)[]): FileFormatError {
  const err = refusal(() => load(w));
  for (const part of parts) {
    if (typeof part === 'string') expect(err.message).toContain(part);
    else expect(err.message).toMatch(part);
  }
  return err;
}

const mlpPickle = (() => {
  const zip = unzipSync(readFileSync(new URL('../fixtures/interop/mlp.pt', import.meta.url)));
  return zip['mlp/data.pkl'];
})();

describe('unpickle: values a state dict is made of', () => {
  it('reads the scalars of protocols 2-5', () => {
    const w = pk()
      .proto(4)
      .op('MARK')
      .op('NONE')
      .bool(true)
      .bool(false)
      .int(7)
      .int(300)
      .int(-5)
      .int(70000)
      .long1(-(2n ** 70n))
      .long1(2n ** 63n)
      .float(0.1)
      .float(-0)
      .str('héllo')
      .shortStr('short')
      .op('SHORT_BINBYTES', 2, 0xde, 0xad)
      .op('BINBYTES', ...[1, 0, 0, 0], 0x7f)
      .op('BINUNICODE8', ...[2, 0, 0, 0, 0, 0, 0, 0], 0x6f, 0x6b)
      .op('BINBYTES8', ...[0, 0, 0, 0, 0, 0, 0, 0])
      .op('LIST')
      .stop();
    const list = load(w) as PickleList;
    expect(list).toBeInstanceOf(PickleList);
    expect(list.items.slice(0, 12)).toEqual([
      null,
      true,
      false,
      7n,
      300n,
      -5n,
      70000n,
      -(2n ** 70n),
      2n ** 63n,
      0.1,
      -0,
      'héllo',
    ]);
    expect(Object.is(list.items[10], -0)).toBe(true);
    expect(list.items.slice(12, 14)).toEqual(['short', Uint8Array.from([0xde, 0xad])]);
    expect(list.items.slice(14)).toEqual([Uint8Array.from([0x7f]), 'ok', new Uint8Array(0)]);
  });

  it('builds tuples, lists and dicts, with the memo (BINPUT, LONG_BINPUT, MEMOIZE, BINGET, LONG_BINGET)', () => {
    const w = pk()
      .proto(4)
      .op('FRAME', ...[60, 0, 0, 0, 0, 0, 0, 0])
      .op('EMPTY_DICT')
      .put(0)
      .str('t')
      .int(1)
      .int(2)
      .op('TUPLE2')
      .op('MEMOIZE')
      .op('SETITEM')
      .str('l')
      .op('EMPTY_LIST')
      .put(1000)
      .int(1)
      .op('APPEND')
      .op('MARK')
      .int(2)
      .int(3)
      .op('APPENDS')
      .op('SETITEM')
      .op('MARK')
      .str('same')
      .get(1)
      .str('again')
      .get(1000)
      .str('t')
      .op('EMPTY_TUPLE')
      .op('SETITEMS')
      .stop();
    const dict = load(w) as PickleDict;
    expect(dict).toBeInstanceOf(PickleDict);
    expect(dict.ordered).toBe(false);
    // 't' was set again at the end: it keeps its first place, with the new value.
    expect(dict.entries().map(([k]) => k)).toEqual(['t', 'l', 'same', 'again']);
    expect(dict.get('t')).toEqual(new PickleTuple([]));
    const list = dict.get('l') as PickleList;
    expect(list.items).toEqual([1n, 2n, 3n]);
    expect(dict.get('again')).toBe(list);
    expect(dict.get('same')).toEqual(new PickleTuple([1n, 2n]));
  });

  it('treats equal keys as Python does (1, 1.0 and True are one key)', () => {
    const w = pk().proto().op('EMPTY_DICT').op('MARK').int(1).str('a').float(1).str('b').bool(true).str('c');
    const dict = load(w.op('SETITEMS').stop()) as PickleDict;
    expect(dict.size).toBe(1);
    expect(dict.get(1n)).toBe('c');
    expect(pickleKeyHash(new PickleTuple([1n, 'x']))).toBe(pickleKeyHash(new PickleTuple([true, 'x'])));
    expect(pickleKeyHash(new PickleList())).toBeUndefined();
  });

  it('reads POP, POP_MARK, DUP and DICT', () => {
    const w = pk().proto().op('MARK').str('k').int(1).op('DUP').op('POP').op('DICT');
    w.op('MARK').int(9).int(9).op('POP_MARK').stop();
    const dict = load(w) as PickleDict;
    expect(dict.entries()).toEqual([['k', 1n]]);
  });

  it('reads the OrderedDict of tensors torch.save writes, with its BUILD-set _metadata', () => {
    const top = load(mlpPickle) as PickleDict;
    expect(top).toBeInstanceOf(PickleDict);
    expect(top.ordered).toBe(true);
    expect(top.entries().map(([k]) => k)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const weight = top.get('0.weight') as PickleTensor;
    expect(weight).toBeInstanceOf(PickleTensor);
    expect(weight.storage).toEqual(new PickleStorage('FloatStorage', '0', 'cpu', 16));
    expect([weight.storageOffset, weight.size, weight.stride, weight.requiresGrad]).toEqual([0, [8, 2], [2, 1], false]);
    expect(top.attributes?.get('_metadata')).toBeInstanceOf(PickleDict);
  });

  it('emulates the allowed functions: _rebuild_parameter(_with_state), torch.Size, OrderedDict via NEWOBJ', () => {
    const spec = { key: 'w', storageKey: '0', numel: 4, size: [2, 2] };
    const param = pk().proto().global('torch._utils', '_rebuild_parameter');
    param.tuple((a) => writeTensor(a, spec).bool(true).orderedDict());
    const p = load(param.op('REDUCE').stop()) as PickleTensor;
    expect(p).toBeInstanceOf(PickleTensor);
    expect(p.requiresGrad).toBe(true);
    const withState = pk().proto().global('torch._utils', '_rebuild_parameter_with_state');
    withState.tuple((a) => writeTensor(a, spec).bool(false).orderedDict().op('EMPTY_DICT'));
    expect(load(withState.op('REDUCE').stop())).toBeInstanceOf(PickleTensor);
    const size = pk()
      .proto()
      .global('torch', 'Size')
      .tuple((a) => a.ints([3, 4]));
    expect(load(size.op('REDUCE').stop())).toEqual(new PickleTuple([3n, 4n]));
    const viaNew = load(pk().proto(4).global('collections', 'OrderedDict').op('EMPTY_TUPLE').op('NEWOBJ').stop());
    expect(viaNew).toEqual(new PickleDict(true));
    const dtype = load(pk().proto().global('torch', 'bfloat16').stop());
    expect(dtype).toEqual(new PickleGlobal('torch', 'bfloat16', 'dtype'));
  });

  it('reads STACK_GLOBAL (protocol 4) for allowed names', () => {
    const w = pk().proto(4).shortStr('collections').shortStr('OrderedDict').op('STACK_GLOBAL').op('EMPTY_TUPLE');
    expect(load(w.op('REDUCE').stop())).toEqual(new PickleDict(true));
  });

  it('names opcodes', () => {
    expect(pickleOpcodeName(0x69)).toBe('INST');
    expect(pickleOpcodeName(0xff)).toBeUndefined();
  });
});

describe('unpickle refuses code and objects', () => {
  it.each([
    ['os', 'system'],
    ['posix', 'system'],
    ['nt', 'system'],
    ['subprocess', 'Popen'],
    ['builtins', 'eval'],
    ['builtins', 'exec'],
    ['__builtin__', 'getattr'],
    ['builtins', 'getattr'],
    ['torch', 'load'],
    ['torch._utils', '_rebuild_tensor'],
    ['collections', 'defaultdict'],
    ['numpy.core.multiarray', '_reconstruct'],
  ])('GLOBAL %s.%s, before anything is called', (module, name) => {
    const w = pk().proto().global(module, name).str('echo pwned').op('TUPLE1').op('REDUCE').stop();
    const err = refuses(w, `${module}.${name}`, 'not allowed', 'offset 2:');
    expect(err.got).toBe(`${module}.${name}`);
    expect(err.message).toContain('evil.pt');
  });

  it('os.system through STACK_GLOBAL', () => {
    const w = pk().proto(4).shortStr('os').shortStr('system').op('STACK_GLOBAL');
    refuses(w.shortStr('id').op('TUPLE1').op('REDUCE').stop(), '"os.system" is not allowed', 'offset 14');
  });

  it('STACK_GLOBAL of non-strings', () => {
    refuses(pk().proto(4).int(1).int(2).op('STACK_GLOBAL').stop(), 'STACK_GLOBAL needs two str');
  });

  it('builtins.eval through REDUCE (refused at the global, so never called)', () => {
    const w = pk()
      .proto()
      .global('builtins', 'eval')
      .tuple((a) => a.str("__import__('os').system('id')"));
    refuses(w.op('REDUCE').stop(), 'builtins.eval');
  });

  it('a whole pickled model, with a hint to save the state dict', () => {
    const w = pk().proto().global('__main__', 'Net').op('EMPTY_TUPLE').op('NEWOBJ').stop();
    refuses(w, '__main__.Net', 'model.state_dict()');
  });

  it('REDUCE of an allowed function with the wrong arguments', () => {
    const od = pk()
      .proto()
      .global('collections', 'OrderedDict')
      .tuple((a) => a.str('a').int(1));
    refuses(od.op('REDUCE').stop(), 'collections.OrderedDict called with 2 arguments');
    const odList = pk().proto().global('collections', 'OrderedDict').op('EMPTY_LIST').op('REDUCE').stop();
    refuses(odList, 'with a list, not a tuple');
    const rebuild = pk()
      .proto()
      .global('torch._utils', '_rebuild_tensor_v2')
      .tuple((a) => a.int(1).int(2));
    refuses(rebuild.op('REDUCE').stop(), '_rebuild_tensor_v2 called with 2 arguments');
    const badStorage = pk().proto().global('torch._utils', '_rebuild_tensor_v2');
    badStorage.tuple((a) => a.str('x').int(0).ints([1]).ints([1]).bool(false).orderedDict());
    refuses(badStorage.op('REDUCE').stop(), "_rebuild_tensor_v2's storage is a str");
    const size = pk()
      .proto()
      .global('torch', 'Size')
      .tuple((a) => a.str('x'));
    refuses(size.op('REDUCE').stop(), 'torch.Size called with something other than one tuple of ints');
    const param = pk()
      .proto()
      .global('torch._utils', '_rebuild_parameter')
      .tuple((a) => a.int(1).bool(false));
    refuses(param.op('REDUCE').stop(), '_rebuild_parameter called with malformed arguments');
  });

  it('calling a name that is allowed only as a token (a storage type, a dtype)', () => {
    refuses(pk().proto().global('torch', 'FloatStorage').op('EMPTY_TUPLE').op('REDUCE').stop(), 'cannot be called');
    refuses(pk().proto().global('torch', 'float32').op('EMPTY_TUPLE').op('REDUCE').stop(), 'torch.float32');
  });

  it('REDUCE of something that is no global', () => {
    refuses(pk().proto().op('EMPTY_LIST').op('EMPTY_TUPLE').op('REDUCE').stop(), 'REDUCE calls a list');
  });

  it('NEWOBJ of anything but OrderedDict()', () => {
    const w = pk().proto().global('torch._utils', '_rebuild_tensor_v2').op('EMPTY_TUPLE').op('NEWOBJ').stop();
    refuses(w, 'NEWOBJ of torch._utils._rebuild_tensor_v2 is not allowed');
    const args = pk()
      .proto()
      .global('collections', 'OrderedDict')
      .tuple((a) => a.int(1))
      .op('NEWOBJ')
      .stop();
    refuses(args, 'NEWOBJ of collections.OrderedDict');
  });

  it('BUILD on anything but a dict, or from anything but a dict', () => {
    refuses(pk().proto().op('EMPTY_LIST').op('EMPTY_DICT').op('BUILD').stop(), 'BUILD sets the state of a list');
    refuses(pk().proto().op('EMPTY_DICT').op('EMPTY_TUPLE').op('BUILD').stop(), 'from a tuple of 0');
    const tensor = writeTensor(pk().proto(), { key: 'w', storageKey: '0', numel: 1, size: [1] });
    refuses(tensor.op('EMPTY_DICT').op('BUILD').stop(), 'BUILD sets the state of a tensor');
  });

  it('persistent ids that are not storages', () => {
    refuses(pk().proto().str('x').op('BINPERSID').stop(), 'the persistent id is a str');
    const odd = pk()
      .proto()
      .tuple((t) => t.str('module').global('torch', 'FloatStorage').str('0').str('cpu').int(1));
    refuses(odd.op('BINPERSID').stop(), "not 'storage'");
    const type = pk()
      .proto()
      .tuple((t) => t.str('storage').str('FloatStorage').str('0').str('cpu').int(1));
    refuses(type.op('BINPERSID').stop(), 'storage type is a str');
    const numel = pk()
      .proto()
      .tuple((t) => t.str('storage').global('torch', 'FloatStorage').str('0').str('cpu').int(-1));
    refuses(numel.op('BINPERSID').stop(), 'malformed');
  });
});

describe('unpickle refuses malformed and hostile input', () => {
  it('an unknown opcode, naming the byte and the offset', () => {
    const err = refuses(pk().proto().op('NONE').raw(0xff).stop(), 'unknown opcode 0xff', 'offset 3:');
    expect(err.got).toBe('0xff');
  });

  it.each([
    ['INST', [0x69, ...Buffer.from('os\nsystem\n')]],
    ['OBJ', [0x6f]],
    ['PUT (text)', [0x70, ...Buffer.from('0\n')]],
    ['GET (text)', [0x67, ...Buffer.from('0\n')]],
    ['LONG4', [0x8b, 1, 0, 0, 0, 1]],
    ['EXT1', [0x82, 1]],
    ['NEWOBJ_EX', [0x92]],
    ['EMPTY_SET', [0x8f]],
    ['PERSID', [0x50, ...Buffer.from('x\n')]],
    ['BYTEARRAY8', [0x96]],
  ])('opcode %s', (name, bytes) => {
    refuses(
      pk()
        .proto()
        .raw(...bytes)
        .stop(),
      `opcode ${name.split(' ')[0]} (0x`,
      'not allowed',
      'offset 2',
    );
  });

  it('every truncation of a real data.pkl', () => {
    for (let n = 0; n < mlpPickle.length; n++) refusal(() => load(mlpPickle.subarray(0, n)));
    expect(load(mlpPickle)).toBeInstanceOf(PickleDict);
  });

  it('missing STOP, values left over, bytes after STOP, an empty stack at STOP', () => {
    refuses(pk().proto().op('NONE'), 'without STOP');
    refuses(pk().proto().op('NONE').op('NONE').stop(), 'STOP with 2 values');
    refuses(pk().proto().op('NONE').stop().raw(0), '1 bytes after STOP');
    refuses(pk().proto().stop(), 'STOP with 0 values');
  });

  it('stack underflow', () => {
    refuses(pk().proto().op('NONE').op('TUPLE2').stop(), 'TUPLE2 needs 2 values', 'underflow');
    refuses(pk().proto().op('REDUCE').stop(), 'REDUCE on an empty stack');
    refuses(pk().proto().op('POP').stop(), 'POP on an empty stack');
    refuses(pk().proto().put(0).stop(), 'BINPUT on an empty stack');
    // What lies below a MARK is out of reach until the MARK is closed.
    refuses(pk().proto().op('EMPTY_LIST').op('MARK').op('APPEND').stop(), 'APPEND on an empty stack');
    refuses(pk().proto().op('EMPTY_DICT').op('MARK').int(1).op('SETITEM').stop(), 'SETITEM needs 2 values');
  });

  it('APPEND and SETITEM on the wrong thing; odd SETITEMS; unhashable keys', () => {
    refuses(pk().proto().op('EMPTY_DICT').int(1).op('APPEND').stop(), 'APPEND to a dict, not a list');
    refuses(pk().proto().op('EMPTY_LIST').int(1).int(2).op('SETITEM').stop(), 'SETITEM on a list, not a dict');
    refuses(pk().proto().op('EMPTY_DICT').op('MARK').int(1).op('SETITEMS').stop(), 'odd number (1)');
    const listKey = pk().proto().op('EMPTY_DICT').op('EMPTY_LIST').int(1).op('SETITEM').stop();
    refuses(listKey, 'a list cannot be a dict key');
  });

  it('a missing memo entry', () => {
    refuses(pk().proto().get(5).stop(), 'memo entry 5 was never stored');
    refuses(pk().proto().get(70000).stop(), 'memo entry 70000');
  });

  it('MARK trouble: closing without one, STOP inside one, nesting too deep', () => {
    refuses(pk().proto().op('TUPLE').stop(), 'TUPLE without a MARK');
    refuses(pk().proto().op('SETITEMS').stop(), 'SETITEMS without a MARK');
    refuses(pk().proto().op('MARK').op('NONE').stop(), 'STOP inside an unclosed MARK');
    const deep = pk().proto();
    for (let i = 0; i <= MAX_MARK_DEPTH; i++) deep.op('MARK');
    refuses(deep.stop(), `MARKs nested deeper than ${MAX_MARK_DEPTH}`);
  });

  it('lengths past the end, and huge ones', () => {
    refuses(pk().proto().op('BINUNICODE', 0xff, 0xff, 0xff, 0xff).raw(0x61).stop(), 'BINUNICODE needs 4294967295');
    refuses(pk().proto().op('SHORT_BINUNICODE', 10, 0x61).stop(), 'SHORT_BINUNICODE needs 10 bytes');
    refuses(
      pk()
        .proto()
        .op('BINUNICODE8', ...pk().u64(2n ** 62n))
        .stop(),
      'past the end',
    );
    refuses(
      pk()
        .proto()
        .op('BINBYTES8', ...pk().u64(2n ** 40n))
        .stop(),
      'BINBYTES8 needs',
    );
    refuses(pk().proto().op('BINBYTES', 0, 0, 0, 0x80).stop(), 'BINBYTES needs');
    refuses(
      pk()
        .proto()
        .op('FRAME', ...pk().u64(1000n))
        .op('NONE')
        .stop(),
      'FRAME length is past the end',
    );
    refuses(pk().proto().op('LONG1', 200, 1).stop(), 'LONG1 needs 200 bytes');
    refuses(pk().proto().op('BININT', 1, 2), 'BININT needs 4 bytes');
    refuses(pk().proto().op('BINFLOAT', 1, 2, 3), 'BINFLOAT needs 8 bytes');
    refuses(pk().op('PROTO'), 'PROTO needs 1 bytes');
  });

  it('GLOBAL lines that never end or are too long; text that is not UTF-8', () => {
    refuses(
      pk()
        .proto()
        .raw(0x63, ...Buffer.from('os')),
      'GLOBAL module is not a line',
    );
    refuses(
      pk()
        .proto()
        .raw(0x63, ...Buffer.alloc(5000, 0x61), 0x0a)
        .stop(),
      'at most 1024 bytes',
    );
    refuses(pk().proto().op('SHORT_BINUNICODE', 2, 0xc3, 0x28).stop(), 'not valid UTF-8');
  });

  it('protocols other than 2 to 5', () => {
    refuses(pk().proto(6).op('NONE').stop(), 'pickle protocol 6 is not supported');
    refuses(pk().proto(1).op('NONE').stop(), 'pickle protocol 1');
  });

  it('keys too deep or too wide to hash (a tuple DAG doubling at each level) are refused quickly', () => {
    const deep = pk().proto().op('EMPTY_DICT').int(0);
    for (let i = 0; i < 40; i++) deep.op('TUPLE1');
    refuses(deep.int(1).op('SETITEM').stop(), 'cannot be a dict key');
    const wide = pk().proto().op('EMPTY_DICT').str('x');
    for (let i = 0; i < 30; i++) wide.op('DUP').op('TUPLE2');
    const start = performance.now();
    refuses(wide.int(1).op('SETITEM').stop(), 'cannot be a dict key');
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('a hand-built state dict pickle reads as the real one does', () => {
    const bytes = stateDictPickle([{ key: 'a', storageKey: '0', numel: 6, size: [2, 3] }]);
    const top = load(bytes) as PickleDict;
    expect((top.get('a') as PickleTensor).stride).toEqual([3, 1]);
  });

  it('reports only FileFormatErrors, never a TypeError or RangeError, for every single-byte change of data.pkl', () => {
    for (let i = 0; i < mlpPickle.length; i++) {
      for (const b of [0x00, 0x28, 0x2e, 0x52, 0x62, 0x68, 0x74, 0x75, 0x80, 0xff]) {
        const bytes = mlpPickle.slice();
        bytes[i] = b;
        try {
          load(bytes);
        } catch (err) {
          if (!(err instanceof FileFormatError)) throw err;
        }
      }
    }
  });
});
